"""Code as Policies' instruction kinds as task families: spatial references resolved without
doubt from the generated layout, places a goal needs free and on the table, the suites `tasks=`
selects, the families demonstrations may be made from, and the benchmark's CaP table."""

from __future__ import annotations

import math
import re

import pytest

from records.cap_table import cap_markdown, cap_rows
from sim.scene_gen import sample_layout
from sim.tasks.cap_common import MARGIN, NTH
from sim.tasks.layout import LOCATIONS, RADII, WORKSPACE
from sim.tasks.registry import FAMILY_INFO, generate, suite_families
from skills.goals import At, Line, holds
from skills.places import CORNERS, DIRECTIONS, beside_point, line_points, on_workspace, point_of
from skills.snapshot import WorldSnapshot
from tests.skill_sets import SKILLS
from tools.bench.suite import family_ids
from tools.tune.demos import generate_demonstrations, training_families

SEEDS = range(25)


def _layout(task) -> dict[str, tuple[float, float]]:
    return {n: (p.x, p.y) for n, p in sample_layout(task.scene, WORKSPACE, RADII).items()}


def _blocks(points: dict[str, tuple[float, float]]) -> list[str]:
    return [n for n in points if n.endswith(" block")]


def _toward(direction: str, xy: tuple[float, float]) -> float:
    dx, dy = DIRECTIONS[direction]
    return xy[0] * dx + xy[1] * dy


@pytest.mark.parametrize("split", ["seen", "unseen"])
def test_the_block_to_a_direction_of_a_bowl_is_the_only_one_there(split: str) -> None:
    for seed in SEEDS:
        task = generate(f"cap_pick_direction_{split}_v1", seed)
        found = re.match(r"pick up the block to the (\w+) of the (\w+ bowl) and place it on "
                         r"the (.+)$", task.instruction)
        assert found is not None, task.instruction
        direction, bowl, location = found.groups()
        points = _layout(task)
        (goal,) = task.goal
        assert isinstance(goal, At) and goal.location == location
        offsets = {b: _toward(direction, points[b]) - _toward(direction, points[bowl])
                   for b in _blocks(points)}
        assert offsets[goal.block] >= MARGIN
        assert all(v <= -MARGIN for b, v in offsets.items() if b != goal.block), offsets


@pytest.mark.parametrize("split", ["seen", "unseen"])
def test_the_block_closest_to_or_farthest_from_a_bowl_stands_out(split: str) -> None:
    for seed in SEEDS:
        task = generate(f"cap_pick_distance_{split}_v1", seed)
        found = re.match(r"pick up the block (closest|farthest) to the (\w+ bowl)",
                         task.instruction)
        assert found is not None, task.instruction
        distance, bowl = found.groups()
        points = _layout(task)
        ranked = sorted(_blocks(points), key=lambda b: math.dist(points[b], points[bowl]),
                        reverse=distance == "farthest")
        assert task.goal[0].block == ranked[0]
        gap = abs(math.dist(points[ranked[0]], points[bowl])
                  - math.dist(points[ranked[1]], points[bowl]))
        assert gap >= MARGIN


@pytest.mark.parametrize("split", ["seen", "unseen"])
def test_the_nth_block_from_a_side_is_the_one_counted(split: str) -> None:
    for seed in SEEDS:
        task = generate(f"cap_pick_nth_{split}_v1", seed)
        found = re.match(r"pick up the (\w+) block from the (\w+)", task.instruction)
        assert found is not None, task.instruction
        nth, direction = NTH[found[1]], found[2]
        points = _layout(task)
        order = sorted(_blocks(points), key=lambda b: -_toward(direction, points[b]))
        assert len(order) >= nth and task.goal[0].block == order[nth - 1]
        for neighbour in order[max(0, nth - 2):nth + 1]:
            if neighbour != order[nth - 1]:
                assert abs(_toward(direction, points[neighbour])
                           - _toward(direction, points[order[nth - 1]])) >= MARGIN
    assert "first" in generate("cap_pick_nth_seen_v1", 0).instruction or "second" in (
        generate("cap_pick_nth_seen_v1", 0).instruction)


def _clear(points, xy, radius_margin: float = 0.02) -> bool:
    return all(math.dist(p, xy) >= RADII[n.rsplit(" ", 1)[1]] + RADII["block"] + radius_margin
               for n, p in points.items())


@pytest.mark.parametrize("split", ["seen", "unseen"])
def test_places_a_goal_needs_are_free_and_on_the_table(split: str) -> None:
    for seed in SEEDS:
        beside = generate(f"cap_place_beside_{split}_v1", seed)
        points = _layout(beside)
        where = {n: (*xy, 0.0) for n, xy in points.items()}
        target = point_of(beside.goal[0].location, where, where)
        assert target is not None and on_workspace(target, LOCATIONS) and _clear(points, target)
        line = generate(f"cap_line_{split}_v1", seed)
        (goal,) = line.goal
        assert isinstance(goal, Line) and len(goal.objects) == len(line.scene.blocks) >= 2
        spots = line_points(goal.line, len(goal.objects), LOCATIONS)
        assert all(_clear(_layout(line), spot) for spot in spots)
        corner = generate(f"cap_corner_distance_{split}_v1", seed)
        points = _layout(corner)
        bowl = re.search(r"(\w+ bowl)$", corner.instruction)[1]
        nearest = sorted(CORNERS, key=lambda c: math.dist(LOCATIONS[c], points[bowl]),
                         reverse="farthest" in corner.instruction)
        assert corner.goal[0].location == nearest[0] and _clear(points, LOCATIONS[nearest[0]])
    assert beside_point((0.5, 0.0), "a lot", "right") == (0.5, -0.24)


def test_the_tables_diagonal_runs_corner_to_corner() -> None:
    """The line spots' diagonal, on a table that is longer one way than the other."""
    spots = line_points("diagonal", 3, LOCATIONS)
    blocks = {f"{c} block": (*xy, 0.02) for c, xy in zip(("red", "green", "blue"), spots,
                                                        strict=True)}
    assert holds(WorldSnapshot(blocks, LOCATIONS), Line("diagonal", tuple(blocks)))


def test_tasks_name_the_suites() -> None:
    assert family_ids("core") == suite_families("core") and len(family_ids("core")) == 13
    assert family_ids("cap") == suite_families("cap") and len(family_ids("cap")) == 28
    assert family_ids("all") == list(FAMILY_INFO)
    assert family_ids(["cap_line_seen_v1", "everyday", "cap_line_seen_v1"]) == [
        "cap_line_seen_v1", *suite_families("everyday")]
    with pytest.raises(ValueError, match="unknown task family nope_v1"):
        family_ids(["nope_v1"])


def test_demonstrations_come_only_from_trainable_families_unless_every_kind() -> None:
    core = training_families()
    assert core == [f for f in suite_families("core") if f != "unseen_colors_v1"]
    with_cap = training_families(suites=("core", "cap"))
    assert set(with_cap) - set(core) == {f for f in suite_families("cap")
                                         if f.endswith("_seen_v1") and FAMILY_INFO[f].category
                                         != "unseen_instruction"}
    assert len(set(with_cap) - set(core)) == 8  # the seen instructions, seen attributes
    every = training_families(suites=("core", "cap", "everyday"), every_kind=True)
    assert every == list(FAMILY_INFO)


def _record(family: str, seed: int, ok: bool | None, status: str = "done") -> dict:
    return {"family": family, "seed": seed, "execution_success": ok, "status": status}


def test_the_cap_table_groups_by_category_and_attributes() -> None:
    records = [_record("cap_stack_all_seen_v1", s, s != 0) for s in range(10)]
    records += [_record("cap_pick_nth_unseen_v1", s, True) for s in range(5)]
    records += [_record("cap_line_seen_v1", 0, False, "refused"),
                _record("cap_line_seen_v1", 1, None), _record("cap_line_seen_v1", 2, False),
                _record("cap_line_seen_v1", 3, False, "unsure")]
    records += [_record("pick_place_v1", 0, True)]  # not a CaP family: left out
    rows = cap_rows(records)
    assert [(r.group, r.attributes, r.successes, r.n, r.reported, r.refused, r.unsure)
            for r in rows] == [
        ("long_horizon", "seen", 9, 10, 0.972, 0, 0),
        ("spatial_geometric", "unseen", 5, 5, 0.733, 0, 0),
        ("line", "seen", 0, 3, None, 1, 1)]  # the dry run (None) is not counted
    table = cap_markdown(rows)
    assert "| long-horizon | seen | 90.0% [60, 98] | 10 | 0, 0 | 97.2% |" in table
    assert "| spatial-geometric | unseen | 100.0% [57, 100] | 5 | 0, 0 | 73.3% |" in table
    assert "| unseen instruction: line | seen | 0.0% [0, 56] | 3 | 1, 1 | – |" in table
    assert cap_markdown(cap_rows(records[-1:])) == ""


def test_every_new_family_finds_a_layout_for_benchmark_and_training_seeds() -> None:
    """Layouts are drawn again until the references and free places hold: never in vain."""
    for family in suite_families("cap") + suite_families("everyday"):
        for seed in [*range(100), *range(1_000_000, 1_000_050)]:
            assert generate(family, seed).family == family


def test_a_scene_spec_names_blocks_that_start_on_others() -> None:
    from sim.scene_gen import SceneSpec

    spec = SceneSpec(("red", "green", "blue"), ("gray",), 3,
                     (("red block", "gray bowl"), ("green block", "red block")))
    assert spec.support_chain("green block") == ["red block", "gray bowl"]
    assert spec.support_of("blue block") is None
    points = sample_layout(spec, WORKSPACE, RADII)
    assert (points["green block"].x, points["green block"].y) == (
        points["gray bowl"].x, points["gray bowl"].y)
    for bad in ((("red block", "red block"),), (("red block", "pink bowl"),),
                (("red block", "gray bowl"), ("green block", "gray bowl")),
                (("red block", "green block"), ("green block", "red block"))):
        with pytest.raises(ValueError, match="start_on"):
            SceneSpec(("red", "green"), ("gray",), 0, bad)
    assert SceneSpec(("red",), (), 5) == SceneSpec(("red",), (), 5, ()), "the default: none"


@pytest.mark.sim
def test_the_simulator_starts_blocks_in_a_bowl_and_on_a_stack_also_through_the_arm_server(
        sim_world) -> None:
    from remote.world_service import WorldService
    from sim.scene_gen import SceneSpec
    from tests.test_goals import LoopbackRemoteWorld

    spec = SceneSpec(("red", "green", "blue", "yellow"), ("gray",), 3,
                     (("red block", "gray bowl"), ("green block", "red block"),
                      ("yellow block", "blue block")))
    remote = LoopbackRemoteWorld(WorldService(sim_world))
    for world in (sim_world, remote):
        world.reset(spec)
        snapshot = world.snapshot()
        assert snapshot.is_in("red block", "gray bowl") and snapshot.is_in("green block",
                                                                           "gray bowl")
        assert snapshot.is_on("green block", "red block")
        assert snapshot.is_on("yellow block", "blue block") and not snapshot.is_in(
            "blue block", "gray bowl")


def test_taught_wordings_vary_the_command_and_the_benchmark_keeps_the_papers_template() -> None:
    """The `taught` split draws the same scene and goal as `train`, in the template or one of
    the kind's further wordings; `train`, the one the benchmark reports on, only the template."""
    for family in suite_families("cap"):
        pairs = [(generate(family, seed, "train"), generate(family, seed, "taught"))
                 for seed in range(24)]
        assert all((t.scene, t.goal) == (u.scene, u.goal) for t, u in pairs), family
        templates = {t.instruction for t, _ in pairs}
        others = [u.instruction for _, u in pairs if u.instruction not in templates]
        assert len(others) >= 6, (family, others)
        assert not any(o in {generate(family, s, "held_out").instruction for s in range(24)}
                       for o in others)


def test_demonstrations_are_never_made_from_held_out_wordings() -> None:
    with pytest.raises(ValueError, match="never from .held_out."):
        next(generate_demonstrations(SKILLS, 1, 1_000_000, wordings="held_out"))
