"""The Gymnasium environment (`stackbot_gym`): Gymnasium's own checker passes, bad input is one
line, and an episode steps the real simulator, arm and perception through the agent loop, ending
as the task's goal predicates say."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from sim.tasks.registry import generate
from stackbot_gym import ENV_ID
from stackbot_gym.env import TabletopEnv
from stackbot_gym.policies import planner_policy


def test_the_environment_is_registered_on_import() -> None:
    assert gymnasium.spec(ENV_ID).entry_point == "stackbot_gym.env:TabletopEnv"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"task": "no_such_family_v1"}, r"^unknown task family 'no_such_family_v1' \(have: "
                                    r"pick_place_v1, "),
    ({"task": "pick_place_v1", "wordings": "test"}, "^wordings must be one of train, held_out"),
    ({"task": "pick_place_v1", "overrides": "perception=oracle"}, "^overrides must be a list"),
    ({"task": "pick_place_v1", "overrides": ["perception=nope"]}, "^unknown perception 'nope'"),
    ({"task": "pick_place_v1", "overrides": ["max_steps=many"]}, "^max_steps must be"),
    ({"task": "pick_place_v1", "planner": "oracle"}, "^unknown planner 'oracle'"),
])
def test_bad_arguments_are_one_line(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        gymnasium.make(ENV_ID, **kwargs)
    assert "\n" not in str(caught.value)


def test_a_render_mode_it_has_not_is_one_line() -> None:
    with pytest.raises(ValueError, match=r"^render_mode must be None or one of rgb_array, got "
                                         r"'ansi'$"):
        TabletopEnv("pick_place_v1", render_mode="ansi")


@pytest.fixture(scope="module")
def env() -> Iterator[TabletopEnv]:
    made = gymnasium.make(ENV_ID, task="pick_place_v1", overrides=["perception=oracle",
                                                                   "max_steps=6"])
    yield made.unwrapped  # type: ignore[misc]
    made.close()


@pytest.mark.sim
def test_gymnasiums_checker_passes_without_a_warning() -> None:
    made = gymnasium.make(ENV_ID, task="matching_bowls_v1", render_mode="rgb_array")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_env(made.unwrapped)
        assert not [w for w in caught if "WARN" in str(w.message)], [
            str(w.message) for w in caught]
        observation, _ = made.reset(seed=0)
        frame = made.render()
        assert np.array_equal(frame, observation["image"]) and frame.std() > 10
    finally:
        made.close()


@pytest.mark.sim
def test_reset_seeds_the_task_as_the_benchmark_does(env: TabletopEnv) -> None:
    observation, info = env.reset(seed=3)
    task = generate("pick_place_v1", 3)
    assert info["task"] == task and observation["instruction"] == task.instruction
    assert observation in env.observation_space
    names = {f"{c} block" for c in task.scene.blocks} | {f"{c} bowl" for c in task.scene.bowls}
    assert observation["scene"].startswith("objects = [") and all(
        name in observation["scene"] for name in names)
    options = observation["options"]
    assert options == tuple(a.option.text for a in info["afforded"]) and "done()" in options
    assert info["action_mask"].tolist() == [1] * len(options) + [0] * (
        env.action_space.n - len(options))
    assert observation["affordances"][:len(options)].tolist() == pytest.approx(
        [a.affordance for a in info["afforded"]])
    assert info["unmet"] and info["succeeded"] is None and info["history"] == ()
    again, _ = env.reset(seed=3)
    assert np.array_equal(again["image"], observation["image"])


@pytest.mark.sim
def test_a_step_runs_the_option_on_the_simulated_arm(env: TabletopEnv) -> None:
    observation, info = env.reset(seed=0)
    task = info["task"]
    policy = planner_policy(env.planner)
    action = policy(observation, info)
    chosen = observation["options"][action]
    assert chosen.startswith("robot.pick_and_place(")
    before = env.session.world.snapshot().positions
    observation, reward, terminated, truncated, info = env.step(action)
    after = env.session.world.snapshot().positions
    moved = [name for name in before if np.linalg.norm(
        np.subtract(after[name], before[name])) > 0.02]
    assert moved and info["succeeded"] is True
    assert info["history"][-1].option.text == chosen
    assert len(task.goal) == 1  # put the brown block in the pink bowl
    assert (reward, terminated, truncated) == (1.0, True, False) and not info["unmet"]
    assert observation["options"] == () and observation in env.observation_space


@pytest.mark.sim
def test_an_action_that_is_not_an_option_moves_nothing_and_counts(env: TabletopEnv) -> None:
    observation, _ = env.reset(seed=1)
    before = env.session.world.snapshot().positions
    beyond = len(observation["options"])
    for count in range(1, 7):  # max_steps=6
        observation, reward, terminated, truncated, info = env.step(beyond)
        assert info["rejected"] == (f"action {beyond} is not an option now: {beyond} are "
                                    "offered (info['action_mask'])")
        assert (reward, terminated, truncated) == (0.0, False, count == 6)
    assert env.session.world.snapshot().positions == before
    with pytest.raises(RuntimeError, match="^the episode has ended: call reset"):
        env.step(0)


@pytest.mark.sim
@pytest.mark.parametrize("action", [-1, 1024, 2.0, "0", True])
def test_an_action_outside_the_space_is_one_line(env: TabletopEnv, action: object) -> None:
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"^action must be an option's index, an integer in "
                                         r"\[0, 1024\), got "):
        env.step(action)


@pytest.mark.sim
def test_done_ends_the_episode_and_is_rewarded_only_when_the_goal_holds(
        env: TabletopEnv) -> None:
    observation, info = env.reset(seed=2)
    done = observation["options"].index("done()")
    observation, reward, terminated, truncated, info = env.step(done)
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert info["message"] == "the planner chose done()" and info["unmet"]
    assert observation["options"] == () and not info["action_mask"].any()


@pytest.mark.sim
def test_an_infeasible_command_ends_only_with_done() -> None:
    """Its goal (nothing moves) holds from the start: a step that leaves it holding does not end
    the episode, done() does and is rewarded; done() after a move is not."""
    made = gymnasium.make(ENV_ID, task="infeasible_v1",
                          overrides=["perception=oracle", "skills=[pick_and_place,point_at]"])
    try:
        env = made.unwrapped
        observation, info = env.reset(seed=0)
        assert not info["unmet"]
        point = next(i for i, a in enumerate(info["afforded"])
                     if a.option.skill == "point_at" and a.affordance > 0)
        observation, reward, terminated, truncated, info = env.step(point)
        assert info["succeeded"] is True and not info["unmet"]
        assert (reward, terminated, truncated) == (0.0, False, False)
        observation, reward, terminated, _, info = env.step(observation["options"].index("done()"))
        assert (reward, terminated) == (1.0, True)

        observation, info = env.reset(seed=0)
        move = next(i for i, a in enumerate(info["afforded"])
                    if a.option.skill == "pick_and_place" and a.affordance > 0)
        observation, reward, terminated, _, info = env.step(move)
        assert info["unmet"] and (reward, terminated) == (0.0, False)
        _, reward, terminated, _, _ = env.step(observation["options"].index("done()"))
        assert (reward, terminated) == (0.0, True)
    finally:
        made.close()


@pytest.mark.sim
def test_reset_options_take_another_family_or_are_one_line(env: TabletopEnv) -> None:
    observation, info = env.reset(seed=0, options={"task": "stack_order_v1"})
    assert info["task"] == generate("stack_order_v1", 0)
    assert observation["instruction"] == info["task"].instruction
    with pytest.raises(ValueError, match=r"^reset options take only 'task', got colour$"):
        env.reset(seed=0, options={"colour": "red"})
    with pytest.raises(ValueError, match=r"^unknown task family 'nope_v1' \(have: "):
        env.reset(options={"task": "nope_v1"})
    _, info = env.reset(seed=0)
    assert info["task"].family == "pick_place_v1"  # the environment's own family again
