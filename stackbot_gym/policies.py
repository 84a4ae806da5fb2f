"""stackbot's planners as policies of the environment: asked what the agent loop asks them, their
choice handed back as the index of that option; `rollout` runs one episode with a policy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium

from agent.types import Planner
from planner.scripted import ScriptedPlanner
from skills.types import AffordedOption, Option

Policy = Callable[[dict[str, Any], dict[str, Any]], int]  # (observation, info) -> action


def planner_policy(planner: Planner) -> Policy:
    """Any planner (SayCan, scripted: `next_step(command, scene, options, history)`) as a policy.
    It reads the structured scene, options and history from `info` (the observation holds them
    as text); a scripted planner is told each task's goal, which it plans from."""

    def policy(observation: dict[str, Any], info: dict[str, Any]) -> int:
        if isinstance(planner, ScriptedPlanner):
            task = info["task"]
            planner.set_goal(task.goal, task.refusal, task.waypoints)
        step = planner.next_step(observation["instruction"], info["scene"], info["afforded"],
                                 info["history"])
        return option_index(info["afforded"], step.option)

    return policy


def option_index(afforded: Sequence[AffordedOption], option: Option) -> int:
    """Where `option` is among the options offered (ValueError when it is not)."""
    for index, candidate in enumerate(afforded):
        if candidate.option == option:
            return index
    raise ValueError(f"{option.text} is not one of the {len(afforded)} options offered")


def rollout(env: gymnasium.Env, policy: Policy, seed: int, family: str
            ) -> tuple[float, list[str], dict[str, Any]]:
    """One episode of the family (`reset(seed=seed)` through its last step): its return, the
    options chosen and the last info (with `held_at_start`: whether the goal held on the table
    as the episode began)."""
    observation, info = env.reset(seed=seed, options={"task": family})
    held_at_start = not info["unmet"]
    total, chosen = 0.0, []
    while True:
        action = policy(observation, info)
        chosen.append(observation["options"][action])
        observation, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        if terminated or truncated:
            return total, chosen, {**info, "held_at_start": held_at_start}
