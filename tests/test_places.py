"""Places beyond objects and named locations (beside an object, line spots, start positions),
and the goal predicates that use them, on hand-made scenes: ground truth and symbolic model."""

from __future__ import annotations

import pytest

from perception.types import Detection, Scene
from planner.scripted import ScriptedPlanner
from skills.compiler_config import CompilerConfig
from skills.goals import AllAt, At, Corners, Line, goal_moves, holds, make_predicate, step_effects
from skills.library.pick_and_place import PickAndPlace
from skills.options import AffordanceModel
from skills.places import (
    MAGNITUDES,
    Places,
    beside,
    is_place,
    line_spot,
    on_workspace,
    point_of,
    start_of,
)
from skills.relations import on_the_table
from skills.skill_set import SkillSet
from skills.snapshot import WorldSnapshot
from skills.symbolic import SymbolicState
from skills.tolerances import BLOCK_SIZE
from skills.workspace import Workspace

LOCATIONS = Workspace().named_locations()
ALL = Places(beside=True, lines=True, starts=True)
SKILL = PickAndPlace(places=ALL)
SKILLS = SkillSet.of([SKILL])


def table(**places: tuple[float, float]) -> Scene:
    """Objects named with underscores (red_block=(x, y)) on the table."""
    return on_the_table(((k.replace("_", " "), xy) for k, xy in places.items()), LOCATIONS)


def test_place_names_round_trip_and_are_told_apart_from_objects_and_locations() -> None:
    assert beside("a little", "left", "blue bowl") == "a little to the left of the blue bowl"
    assert line_spot("diagonal", 3) == "spot 3 of the diagonal line"
    assert start_of("red block") == "where the red block started"
    for name in ("a lot to the top of the red block", "spot 1 of the vertical line",
                 "where the green block started"):
        assert is_place(name)
    for name in ("red block", "blue bowl", "top left corner", "middle", "a bit left of x"):
        assert not is_place(name)
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        beside("a little", "up", "blue bowl")
    with pytest.raises(ValueError, match="unknown line 'wavy'"):
        line_spot("wavy", 1)


def test_beside_points_go_the_way_the_camera_image_reads() -> None:
    """Top is away from the robot (+x), left is the robot's left (+y)."""
    bowl = (0.5, 0.0, 0.0)
    positions = {"blue bowl": bowl}
    little, lot = MAGNITUDES["a little"], MAGNITUDES["a lot"]
    assert point_of("a little to the left of the blue bowl", positions, {}) == (0.5, little)
    assert point_of("a lot to the right of the blue bowl", positions, {}) == (0.5, -lot)
    assert point_of("a lot to the top of the blue bowl", positions, {}) == (0.5 + lot, 0.0)
    assert point_of("a little to the bottom of the blue bowl", positions, {}) == (
        0.5 - little, 0.0)
    assert point_of("a little to the left of the red bowl", positions, {}) is None
    assert point_of("where the red block started", {}, {"red block": (0.4, 0.1, 0.02)}) == (
        0.4, 0.1)


def test_places_offered_on_a_scene_stay_on_the_workspace() -> None:
    scene = table(red_block=(0.70, 0.25), green_block=(0.40, -0.1), blue_bowl=(0.5, 0.0))
    points = ALL.points(scene.started())
    assert all(on_workspace(xy, LOCATIONS) for xy in points.values())
    # the red block sits near the top left corner: nothing beside it further up or left
    assert "a lot to the top of the red block" not in points
    assert "a little to the left of the red block" not in points
    assert "a little to the right of the red block" in points
    spots = [name for name in points if name.startswith("spot ")]
    assert len(spots) == 3 * 2  # two blocks: two spots on each of three lines
    assert points[line_spot("horizontal", 1)] == LOCATIONS["left side"]
    assert points[line_spot("horizontal", 2)] == LOCATIONS["right side"]
    assert points[start_of("red block")] == (0.70, 0.25)
    assert not Places().points(scene), "every kind is off unless switched on"
    assert start_of("red block") not in ALL.points(scene), "no start: no start places"


def test_pick_and_place_offers_affords_compiles_and_verifies_a_place() -> None:
    scene = table(red_block=(0.40, -0.15), green_block=(0.45, 0.12),
                  blue_bowl=(0.55, 0.0)).started()
    options = {o.args[1] for o in SKILL.options(scene) if o.args[0] == "red block"}
    assert "a little to the left of the blue bowl" in options
    assert "spot 1 of the horizontal line" in options
    context = AffordanceModel().afford(SKILL.options(scene), scene, skills=SKILLS)
    afforded = {a.option.args: a for a in context}
    left = ("red block", "a little to the left of the blue bowl")
    assert afforded[left].affordance > 0
    # the green block stands right where "a little to the left of the blue bowl" is
    occupied_scene = table(red_block=(0.40, -0.15), green_block=(0.55, 0.12),
                           blue_bowl=(0.55, 0.0))
    veto = {a.option.args: a for a in AffordanceModel().afford(
        SKILL.options(occupied_scene), occupied_scene, skills=SKILLS)}
    assert veto[left].affordance == 0 and "occupied by the green block" in veto[left].reason
    prims = SKILL.compile(SKILL.option(*left), scene, CompilerConfig())
    lower = next(p for p in prims if p.phase == "lower")
    assert lower.pose is not None
    assert lower.pose[:2] == pytest.approx((0.55, MAGNITUDES["a little"]))
    after = SKILL.imagine(SKILL.option(*left), scene)
    assert after.get("red block").position[:2] == pytest.approx((0.55, MAGNITUDES["a little"]))
    geometry = AffordanceModel().geometry
    assert SKILL.verify(SKILL.option(*left), after, geometry).holds
    verdict = SKILL.verify(SKILL.option(*left), scene, geometry)
    assert not verdict.holds and "cm from the a little to the left of the blue bowl" in (
        verdict.evidence)


def snapshot(positions: dict[str, tuple[float, float, float]],
             start: dict[str, tuple[float, float, float]] | None = None) -> WorldSnapshot:
    return WorldSnapshot(positions, LOCATIONS, start=start or {})


Z = BLOCK_SIZE / 2


def test_line_holds_for_any_order_and_tolerates_a_little_wobble() -> None:
    across = {"red block": (0.5, 0.2, Z), "green block": (0.51, -0.1, Z),
              "blue block": (0.49, 0.05, Z)}
    assert holds(snapshot(across), Line("horizontal", tuple(across)))
    assert not holds(snapshot(across), Line("vertical", tuple(across)))
    bent = {**across, "green block": (0.56, -0.1, Z)}
    assert not holds(snapshot(bent), Line("horizontal", tuple(across)))
    diagonal = {"red block": (0.6, 0.1, Z), "green block": (0.5, 0.0, Z),
                "blue block": (0.4, -0.1, Z)}
    assert holds(snapshot(diagonal), Line("diagonal", tuple(diagonal)))
    other_diagonal = {"red block": (0.6, -0.1, Z), "green block": (0.5, 0.0, Z)}
    assert holds(snapshot(other_diagonal), Line("diagonal", tuple(other_diagonal)))
    stacked = {"red block": (0.5, 0.0, Z), "green block": (0.5, 0.0, 3 * Z)}
    assert not holds(snapshot(stacked), Line("vertical", tuple(stacked))), "a stack is no line"


def test_corners_take_any_assignment_but_one_block_per_corner() -> None:
    blocks = ("red block", "green block")
    corners = {"red block": (*LOCATIONS["bottom right corner"], Z),
               "green block": (*LOCATIONS["top left corner"], Z)}
    assert holds(snapshot(corners), Corners(blocks))
    side = {**corners, "green block": (*LOCATIONS["top side"], Z)}
    assert not holds(snapshot(side), Corners(blocks))
    with pytest.raises(ValueError, match="5 blocks cannot stand at different corners"):
        Corners(tuple(f"{c} block" for c in ("red", "green", "blue", "pink", "gray")))


def test_all_at_a_location_accepts_a_stack_standing_there() -> None:
    x, y = LOCATIONS["top side"]
    stack = {"red block": (x, y, Z), "green block": (x + 0.01, y, 3 * Z)}
    assert holds(snapshot(stack), AllAt("top side", tuple(stack)))
    apart = {**stack, "green block": (x, y - 0.1, Z)}
    assert not holds(snapshot(apart), AllAt("top side", tuple(stack)))


def test_at_a_place_beside_an_object_or_where_an_object_started() -> None:
    bowl = (0.5, 0.0, 0.0)
    near = {"blue bowl": bowl, "red block": (0.5, MAGNITUDES["a lot"] + 0.02, Z)}
    assert holds(snapshot(near), At("red block", "a lot to the left of the blue bowl"))
    assert not holds(snapshot(near), At("red block", "a little to the left of the blue bowl"))
    start = {"red block": (0.4, 0.1, Z), "green block": (0.6, -0.1, Z)}
    swapped = {"red block": (0.6, -0.1, Z), "green block": (0.4, 0.1, Z)}
    goal = (At("red block", start_of("green block")), At("green block", start_of("red block")))
    assert all(holds(snapshot(swapped, start), p) for p in goal)
    assert not any(holds(snapshot(start, start), p) for p in goal)


def test_predicates_from_their_file_form_and_bad_ones() -> None:
    assert make_predicate("line", ["diagonal", "red block", "green block"]) == Line(
        "diagonal", ("red block", "green block"))
    assert make_predicate("all_at", ["top side", "red block"]) == AllAt("top side",
                                                                        ("red block",))
    assert make_predicate("corners", ["red block", "green block"]) == Corners(
        ("red block", "green block"))
    with pytest.raises(ValueError, match="a horizontal line needs at least two blocks"):
        make_predicate("line", ["horizontal", "red block"])
    with pytest.raises(ValueError, match="unknown line 'curved'"):
        make_predicate("line", ["curved", "red block", "green block"])


def test_symbolic_model_and_goal_moves_agree_with_the_new_predicates() -> None:
    blocks = ("red block", "green block", "blue block")
    for goal in ((Line("vertical", blocks),), (Corners(blocks),),
                 (AllAt("bottom side", blocks),)):
        steps = [SKILL.option(*move) for move in goal_moves(goal)]
        state = SKILLS.apply(SymbolicState.initial(blocks), steps)
        assert all(holds(state, p) for p in goal), goal
        assert not all(holds(SymbolicState.initial(blocks), p) for p in goal)
    effects = step_effects(SKILL.option("red block", "spot 2 of the vertical line"), blocks,
                           LOCATIONS, SKILLS)
    assert effects == [At("red block", "spot 2 of the vertical line")]


def test_scripted_planner_swaps_two_blocks_through_a_free_location() -> None:
    """Each block's target is where the other stands: one goes out of the way first."""
    scene = table(red_block=(0.40, 0.1), green_block=(0.6, -0.1)).started()
    goal = (At("red block", start_of("green block")), At("green block", start_of("red block")))
    planner = ScriptedPlanner(SKILLS, goal)
    model = AffordanceModel()
    taken = []
    for _ in range(4):
        options = model.afford(SKILLS.options(scene), scene, skills=SKILLS)
        step = planner.next_step("swap them", scene, options, taken)
        if step.option.is_done:
            break
        taken.append(step.option)
        scene = SKILLS.imagine(step.option, scene)
    assert len(taken) == 3 and taken[0].args[1] in LOCATIONS
    final = WorldSnapshot({o.name: o.position for o in scene.objects}, LOCATIONS,
                          start={o.name: o.position for o in scene.start})
    assert all(holds(final, p) for p in goal)


def test_a_detection_keeps_the_scene_start_through_changes() -> None:
    scene = table(red_block=(0.4, 0.1)).started()
    moved = scene.with_position("red block", (0.5, 0.0, Z))
    assert moved.start == scene.start and moved.start[0].position[:2] == (0.4, 0.1)
    assert moved.with_objects([Detection("red", "block", (0.6, 0.0, Z))]).start == scene.start


def test_scripted_planner_parks_nothing_when_the_swap_targets_are_not_offered() -> None:
    """Without start places there is no swap to make room for: done() at once, not a block
    moved back and forth to the step limit."""
    plain = SkillSet.of([PickAndPlace()])
    scene = table(red_block=(0.40, 0.1), green_block=(0.6, -0.1)).started()
    goal = (At("red block", start_of("green block")), At("green block", start_of("red block")))
    options = AffordanceModel().afford(plain.options(scene), scene, skills=plain)
    step = ScriptedPlanner(plain, goal).next_step("swap them", scene, options, [])
    assert step.option.is_done and "is not offered or not afforded" in step.note
