"""stackbot's planners as policies through the Gymnasium environment reach what the benchmark
reaches on the same seeds: the benchmark's episode (`run_task`) and the environment's run on the
same session, so the same simulator, arm, camera, perception and planner."""

from __future__ import annotations

from typing import Any

import gymnasium
import pytest

from sim.tasks.registry import FAMILIES, generate
from stackbot_gym import ENV_ID
from stackbot_gym.env import TabletopEnv
from stackbot_gym.policies import option_index, planner_policy, rollout
from tools.bench.task_episode import run_task


def compare(env: TabletopEnv, family: str, seed: int
            ) -> tuple[dict[str, Any], float, list[str], bool]:
    """The benchmark's results line and the environment's return and choices, same seed, and
    whether the goal held at the start."""
    bench = run_task(env.session, generate(family, seed))
    total, chosen, info = rollout(env, planner_policy(env.planner), seed, family)
    return bench, total, chosen, info["held_at_start"]


@pytest.mark.sim
@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_scripted_planner_through_the_environment_matches_the_benchmark(
        family: str) -> None:
    made = gymnasium.make(ENV_ID, task=family)  # the default config: OpenCV perception
    try:
        bench, total, chosen, held_at_start = compare(made.unwrapped, family, 0)
    finally:
        made.close()
    assert bench["execution_success"] is True, bench["failure"]
    assert total == 1.0
    # the benchmark's episode ends with done(); the environment's as soon as the goal holds
    # (a goal that holds from the start, an infeasible or out-of-scope command's: there done()
    # ends both)
    expected = bench["steps"] if held_at_start else bench["steps"][:-1]
    assert chosen == expected


@pytest.mark.sim
@pytest.mark.model
@pytest.mark.parametrize(("family", "seed"), [("pick_place_v1", 0), ("matching_bowls_v1", 1),
                                              ("stack_order_v1", 0)])
def test_the_saycan_planner_through_the_environment_matches_the_benchmark(
        saycan_env: TabletopEnv, family: str, seed: int) -> None:
    bench, total, chosen, _ = compare(saycan_env, family, seed)
    assert total == (1.0 if bench["execution_success"] else 0.0), (bench["steps"], chosen)
    assert chosen == bench["steps"][:len(chosen)]


@pytest.fixture(scope="module")
def saycan_env() -> Any:
    made = gymnasium.make(ENV_ID, task="pick_place_v1", planner="saycan")
    yield made.unwrapped
    made.close()


def test_option_index_names_an_option_not_offered() -> None:
    from skills.types import AffordedOption, Option

    offered = (AffordedOption(Option("done", (), "done()"), 1.0),)
    assert option_index(offered, Option("done", (), "done()")) == 0
    with pytest.raises(ValueError, match=r"^robot.x\(\) is not one of the 1 options offered$"):
        option_index(offered, Option("x", (), "robot.x()"))
