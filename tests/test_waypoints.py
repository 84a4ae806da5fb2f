"""Waypoints: predicates that must hold at some moment of an episode, in order, before its goal
is judged at the end ("put the red block in the blue bowl, then put it back where it was")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hydra import compose, initialize_config_module

from agent.session import SimSession
from perception.types import Detection, Scene
from planner.scripted import ScriptedPlanner
from sim.tasks.checks import unmet_as_perceived
from sim.tasks.everyday import PUT_BACK_FAMILY
from sim.tasks.registry import generate
from skills.goals import At, In, evaluate_plan, unmet_along
from skills.places import start_of
from skills.symbolic import SymbolicState
from skills.types import Option
from tests.skill_sets import WITH_PLACES
from tests.test_refusal import Chooses
from tools.bench.benchmark import worker_config
from tools.bench.calibration import judged_steps
from tools.bench.task_episode import run_task
from tools.bench.worker import EpisodeWorker
from tools.tune.rollout import imagined_episode, roll_out

RED = "red block"
AWAY = In(RED, "blue bowl")
BACK = At(RED, start_of(RED))


def _call(block: str, target: str) -> Option:
    return Option("pick_and_place", (block, target), f"robot.pick_and_place({block}, {target})")


def test_a_waypoint_must_hold_before_the_goal_and_in_order() -> None:
    there_and_back = [_call(RED, "blue bowl"), _call(RED, start_of(RED))]
    assert evaluate_plan((BACK,), [RED], there_and_back, WITH_PLACES, waypoints=(AWAY,)) == (
        True, [])
    assert evaluate_plan((BACK,), [RED], there_and_back[1:], WITH_PLACES,
                         waypoints=(AWAY,)) == (False, [AWAY])
    assert evaluate_plan((BACK,), [RED], there_and_back[:1], WITH_PLACES,
                         waypoints=(AWAY,)) == (False, [BACK])
    corner = At(RED, "top left corner")
    states = [SymbolicState.initial([RED])]
    for call in (_call(RED, "top left corner"), _call(RED, "blue bowl")):
        states.append(WITH_PLACES.apply(states[-1], [call]))
    assert unmet_along((), (AWAY, corner), states) == [corner], "in order: the corner first"
    assert unmet_along((), (corner, AWAY), states) == []


def test_the_put_back_family_waits_for_the_move_away() -> None:
    for seed in range(10):
        task = generate(PUT_BACK_FAMILY, seed)
        (away,), (back,) = task.waypoints, task.goal
        assert isinstance(back, At) and back.location == start_of(back.block)
        assert away.block == back.block
        told_the_goal_only = ScriptedPlanner(WITH_PLACES, task.goal)
        result = roll_out(task, told_the_goal_only, WITH_PLACES, max_steps=6)
        assert not result.success and len(result.steps) <= 2, result.steps  # nothing to do
        both = ScriptedPlanner(WITH_PLACES, task.goal, waypoints=task.waypoints)
        result = roll_out(task, both, WITH_PLACES, max_steps=6)
        assert result.success and len(result.steps) == 3, result.steps


def test_the_judge_wants_the_waypoint_first() -> None:
    task = generate(PUT_BACK_FAMILY, 1)  # "move the yellow block to the brown bowl, then ..."
    block = task.goal[0].block  # type: ignore[union-attr]
    done_at_once = imagined_episode(task, Chooses(["done()"]), WITH_PLACES, 1)
    assert judged_steps(done_at_once, task, WITH_PLACES) == [(0.9, False)]
    right = imagined_episode(task, Chooses([f"robot.pick_and_place({block}, brown bowl)",
                                            f"robot.pick_and_place({block}, where the",
                                            "done()"]), WITH_PLACES, 3)
    assert judged_steps(right, task, WITH_PLACES) == [(0.9, True)] * 3


def test_the_perceived_check_follows_the_scenes_seen() -> None:
    def seen(red_at: tuple[float, float, float]) -> Scene:
        return Scene((Detection("red", "block", red_at), Detection("blue", "bowl",
                                                                    (0.5, 0.0, 0.0))))
    start, inside = seen((0.4, 0.2, 0.02)), seen((0.5, 0.0, 0.03))
    assert unmet_as_perceived(start, (BACK,), start, [start, start], (AWAY,)) == [AWAY]
    assert unmet_as_perceived(start, (BACK,), start, [start, inside, start], (AWAY,)) == []
    assert unmet_as_perceived(inside, (BACK,), start, [start, inside], (AWAY,)) == [BACK]


@pytest.fixture(scope="module")
def scripted_session() -> Iterator[SimSession]:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=["planner=scripted", "perception=opencv",
                                          "label=test"])
    worker = EpisodeWorker(worker_config(cfg))
    yield worker.session
    worker.close()


@pytest.mark.sim
def test_in_the_simulator_the_waypoint_is_watched_step_by_step(scripted_session: SimSession
                                                                ) -> None:
    task = generate(PUT_BACK_FAMILY, 0)
    result = run_task(scripted_session, task)
    assert result["execution_success"] and result["plan_success"], result["failure"]
    assert result["perceived_success"] and result["n_steps"] == 3, result["steps"]
    assert result["waypoints"] == task.waypoint_text()
    scripted = scripted_session.planner
    scripted_session.planner = Chooses(["done()"])  # the block is where it started: at once
    try:
        nothing = run_task(scripted_session, task)
    finally:
        scripted_session.planner = scripted
    assert nothing["steps"] == ["done()"]
    assert not nothing["execution_success"] and not nothing["perceived_success"]
    assert nothing["execution_unmet"] == task.waypoint_text(), "the end alone holds"
    assert nothing["plan_unmet"][:1] == task.waypoint_text()
