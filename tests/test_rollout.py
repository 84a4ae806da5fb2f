"""Roll-outs drive the agent loop itself on an imagined table (no physics, no camera): with the
scripted planner every task family's goal is met, and a planner that stops at once fails."""

from __future__ import annotations

import pytest

from planner.scripted import ScriptedPlanner
from sim.tasks.registry import FAMILIES, generate
from skills.types import AffordedOption, Outcome, Step
from tests.skill_sets import SKILLS, WITH_PLACES
from tools.tune.rollout import imagined_episode, roll_out


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_scripted_planner_rolls_out_every_family(family: str) -> None:
    for seed in (0, 1):
        task = generate(family, seed)
        planner = ScriptedPlanner(WITH_PLACES, task.goal, waypoints=task.waypoints)
        result = roll_out(task, planner, WITH_PLACES, max_steps=12)
        assert result.success, (family, seed, result.steps)
        assert result.steps[-1] == "done()"


class StopsAtOnce:
    def next_step(self, command: str, scene: object, options: list[AffordedOption],
                  history: list[Outcome]) -> Step:
        return Step(next(a.option for a in options if a.option.is_done))


def test_a_planner_that_stops_at_once_fails_a_task_with_moves() -> None:
    task = generate("pick_place_v1", 0)
    result = roll_out(task, StopsAtOnce(), SKILLS, max_steps=12)
    assert not result.success and result.steps == ("done()",)


def test_the_imagined_arm_carries_out_every_call_without_an_error() -> None:
    """The in-memory gantry is connected for the episode: its calls raise nothing (an
    unconnected one failed every call while the imagined table still showed the move)."""
    task = generate("stack_order_v1", 0)
    planner = ScriptedPlanner(SKILLS, task.goal)
    episode = imagined_episode(task, planner, SKILLS, max_steps=12)
    moves = [r for r in episode.records if not r.step.option.is_done]
    assert moves and all(r.result is not None and r.result.success for r in moves), [
        r.result for r in moves]
