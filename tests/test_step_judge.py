"""The per-step judge behind the calibration table (`tools/bench/calibration.py`) on hand-made
plans: a goal that takes its blocks in any order (a line, different corners, all at a location)
counts a right step right whatever order the plan takes, and a wrong step wrong."""

from __future__ import annotations

from dataclasses import replace

from sim.tasks.registry import generate
from skills.goals import AllAt, Corners, Line, Tower
from skills.library.pick_and_place import PickAndPlace, pick_and_place_option
from skills.places import Places, line_spot
from skills.skill_set import SkillSet
from skills.types import Option
from tools.bench.calibration import step_is_right

SKILLS = SkillSet.of([PickAndPlace(places=Places(beside=True, lines=True, starts=True))])
BLOCKS = ["red block", "green block", "blue block"]
TASK = generate("pick_place_v1", 0)


def judged(goal: tuple, plan: list[tuple[str, str]]) -> list[bool]:
    """Each step of the plan judged after the ones before it succeeded."""
    task = replace(TASK, goal=goal, waypoints=())
    options: list[Option] = [pick_and_place_option(*move) for move in plan]
    return [step_is_right(option, task, options[:k], SKILLS, BLOCKS, False)
            for k, option in enumerate(options)]


def test_a_line_in_any_order_is_right_and_a_taken_spot_is_not() -> None:
    line = (Line("vertical", tuple(BLOCKS)),)
    spot = [line_spot("vertical", k) for k in (1, 2, 3)]
    assert judged(line, [("blue block", spot[0]), ("green block", spot[1]),
                         ("red block", spot[2])]) == [True, True, True]
    assert judged(line, [("blue block", spot[2]), ("red block", spot[0])]) == [True, True]
    assert judged(line, [("blue block", spot[0]), ("red block", spot[0])]) == [True, False]
    assert judged(line, [("blue block", "red block")]) == [False]


def test_different_corners_in_any_assignment_is_right_and_a_shared_corner_is_not() -> None:
    corners = (Corners(tuple(BLOCKS)),)
    assert judged(corners, [("red block", "bottom right corner"),
                            ("blue block", "top left corner"),
                            ("green block", "bottom left corner")]) == [True, True, True]
    assert judged(corners, [("red block", "top left corner"),
                            ("green block", "top left corner")]) == [True, False]


def test_all_at_a_location_takes_any_block_first_then_the_pile_top() -> None:
    pile = (AllAt("top side", tuple(BLOCKS)), Tower(tuple(BLOCKS)))
    assert judged(pile, [("green block", "top side"), ("blue block", "green block"),
                         ("red block", "blue block")]) == [True, True, True]
    assert judged(pile, [("green block", "top side"), ("blue block", "top side")]) == [
        True, False]
    assert judged(pile, [("green block", "bottom side")]) == [False]
