"""`stackbot/Tabletop-v0`: a task family's benchmark episodes as a Gymnasium environment.

`reset(seed=s)` generates the family's task for seed `s` exactly as the benchmark's episode `s`
does (`sim.tasks.registry.generate`), puts its scene in the simulator and starts the agent loop
(`agent.loop.Agent.steps`, the loop every planner runs in) up to its first decision. Each
`step(action)` hands the loop the option at index `action` of the options offered now: the loop
compiles it, runs it on the simulated arm behind the safety guard, perceives again and checks
the effect, exactly as for a planner, and stops at the next decision.

Reward and the end of an episode, judged as the benchmark judges execution (the goal's
predicates on the simulator's ground truth, `sim.tasks.checks.unmet_in_world`):

- reward 1 and `terminated` when a step leaves the goal holding;
- `terminated` when the loop ends the episode (the policy chose `done()`, or the arm stopped),
  with reward 1 if the goal holds then; a goal that holds from the start (an infeasible command,
  whose goal is that nothing moves) ends only this way;
- `truncated` after `max_steps` actions (the config's step limit, the loop's own).

An action in the action space that is not an option now (`info["action_mask"]` is 0 there) moves
nothing and is answered with reward 0 and `info["rejected"]` saying why; it counts towards the
step limit. An action outside the action space is a ValueError.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import gymnasium
import numpy as np

from agent.session import SimSession, open_session
from agent.types import Decision, EpisodeResult, StepRecord
from perception.types import Frame, Scene
from sim.tasks.checks import WaypointWatch, start_positions, unmet_in_world
from sim.tasks.registry import FAMILIES, generate
from sim.tasks.task import Task
from skills.goals import describe
from skills.snapshot import Position
from skills.types import AffordedOption, Outcome, Step
from stackbot_gym.config import env_config
from stackbot_gym.observation import ObservationSpaces

WORDINGS = ("train", "held_out")


@dataclass
class _Episode:
    """One episode under way: its task, the loop paused at a decision, the arm held open."""

    task: Task
    start: dict[str, Position]
    watch: WaypointWatch  # the task's waypoints reached so far
    held_at_start: bool  # the goal held before anything moved (an infeasible command)
    loop: Generator[Decision, Step, EpisodeResult]
    arm: contextlib.ExitStack
    decision: Decision | None
    records: list[StepRecord] = field(default_factory=list)
    history: tuple[Outcome, ...] = ()
    actions: int = 0
    result: EpisodeResult | None = None
    over: bool = False

    def close(self) -> None:
        self.over = True
        try:
            self.loop.close()
        finally:
            self.arm.close()


class TabletopEnv(gymnasium.Env[dict[str, Any], np.int64]):
    """The task family `task`'s episodes in the simulator (see the module's docstring).

    `wordings`: the family's `train` or `held_out` instructions; `planner`: the planner the
    config builds (`conf/planner/`), handed out as `planner` for use as a policy (`scripted`
    loads no model); `overrides`: Hydra overrides of `conf/config.yaml`, as on the command line
    (`perception=oracle`, `max_steps=20`); `max_options`: the size of the action space."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 1}

    def __init__(self, task: str, *, wordings: Literal["train", "held_out"] = "train",
                 planner: str = "scripted", overrides: Sequence[str] = (),
                 max_options: int = 1024, render_mode: str | None = None) -> None:
        self.family = _checked_family(task)
        if wordings not in WORDINGS:
            raise ValueError(f"wordings must be one of {', '.join(WORDINGS)}, got {wordings!r}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or one of "
                             f"{', '.join(self.metadata['render_modes'])}, got {render_mode!r}")
        if isinstance(overrides, str):
            raise ValueError("overrides must be a list of strings, e.g. ['perception=oracle']")
        cfg = env_config(planner, overrides)
        self.wordings, self.render_mode = wordings, render_mode
        self.max_steps = int(cfg.max_steps)
        self.session: SimSession = open_session(cfg)
        try:
            height, width = self.session.camera.read().size
            self.spaces = ObservationSpaces(height, width, max_options)
        except BaseException:
            self.session.close()
            raise
        self.observation_space = self.spaces.observation
        self.action_space = self.spaces.action
        self._episode: _Episode | None = None
        self._closed = False

    @property
    def planner(self) -> Any:
        """The configured planner (`planner=`), for `stackbot_gym.policies.planner_policy`."""
        return self.session.planner

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The family's task for `seed` (the benchmark's episode seed); without one, a seed
        drawn from the environment's generator (seeded by the last seeded reset).
        `options={"task": "stacking_v1"}`: another family's task for this episode."""
        super().reset(seed=seed)
        family = self._family(options or {})
        self._end_episode()
        task_seed = seed if seed is not None else int(self.np_random.integers(2**31 - 1))
        task = generate(family, task_seed, self.wordings)
        session = self.session
        session.reset(task.scene)
        start = start_positions(session.world)
        records: list[StepRecord] = []
        arm = contextlib.ExitStack()
        arm.enter_context(session.driver)  # connected for the episode, stopped at its end
        try:
            loop = session.agent(on_step=records.append).steps(task.instruction)
            decision = next(loop)
        except BaseException:
            arm.close()
            raise
        watch = WaypointWatch(session.world, task.waypoints, start)
        held = not watch.unmet() and not unmet_in_world(session.world, task.goal, start)
        self._episode = _Episode(task, start, watch, held, loop, arm, decision, records)
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        episode = self._require_episode()
        index = self._index(action)
        decision = episode.decision
        assert decision is not None  # an episode under way waits at a decision
        episode.actions += 1
        if index >= len(decision.afforded):
            rejected = (f"action {index} is not an option now: {len(decision.afforded)} are "
                        "offered (info['action_mask'])")
            truncated = episode.actions >= self.max_steps
            if truncated:
                episode.close()
            return self._observation(), 0.0, False, truncated, self._info(rejected)
        option = decision.afforded[index].option
        try:
            episode.decision = episode.loop.send(Step(option, note="chosen by the policy"))
        except StopIteration as end:
            episode.decision, episode.result = None, end.value
        if episode.decision is not None:
            episode.history = episode.decision.history
        episode.watch()
        unmet = self._unmet(episode)
        ended = episode.result is not None and (
            episode.result.finished or len(episode.result.records) < self.max_steps)
        terminated = (not unmet and not episode.held_at_start) or ended
        truncated = not terminated and episode.actions >= self.max_steps
        reward = 1.0 if terminated and not unmet else 0.0
        if terminated or truncated:
            episode.close()
        return self._observation(), reward, terminated, truncated, self._info(unmet=unmet)

    def render(self) -> np.ndarray | None:
        """The latest camera frame (`render_mode="rgb_array"`), None before the first reset."""
        if self.render_mode != "rgb_array" or self._episode is None:
            return None
        return np.array(self._view()[0].rgb, copy=True)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._end_episode()
        finally:
            self.session.close()

    # ------------------------------------------------------------------------------------------
    def _require_episode(self) -> _Episode:
        if self._closed:
            raise RuntimeError("the environment is closed")
        if self._episode is None:
            raise RuntimeError("call reset() before step()")
        if self._episode.over:
            raise RuntimeError("the episode has ended: call reset() to start another")
        return self._episode

    def _family(self, options: dict[str, Any]) -> str:
        unknown = sorted(set(options) - {"task"})
        if unknown:
            raise ValueError(f"reset options take only 'task', got {', '.join(unknown)}")
        return _checked_family(options.get("task", self.family))

    def _index(self, action: Any) -> int:
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        if isinstance(action, bool) or not isinstance(action, int | np.integer) \
                or not self.action_space.contains(np.int64(action)):
            raise ValueError(f"action must be an option's index, an integer in "
                             f"[0, {self.spaces.max_options}), got {action!r}")
        return int(action)

    def _end_episode(self) -> None:
        if self._episode is not None and not self._episode.over:
            self._episode.close()

    def _view(self) -> tuple[Frame, Scene, tuple[AffordedOption, ...]]:
        """The frame, scene and options a policy sees now: the decision's, or once the episode
        is over its last frame and scene with no options."""
        episode = self._episode
        assert episode is not None
        if episode.decision is not None:
            options = () if episode.over else episode.decision.afforded
            return episode.decision.frame, episode.decision.scene, options
        last = episode.records[-1]
        scene = episode.result.final_scene if episode.result is not None else None
        return last.frame_after or last.frame_before, scene or last.scene, ()

    def _observation(self) -> dict[str, Any]:
        episode = self._episode
        assert episode is not None
        frame, scene, afforded = self._view()
        return self.spaces.observe(frame.rgb, episode.task.instruction, scene, afforded)

    def _unmet(self, episode: _Episode) -> list[Any]:
        """The waypoints not reached in order, then the goal's predicates not holding now."""
        return episode.watch.unmet() + unmet_in_world(self.session.world, episode.task.goal,
                                                      episode.start)

    def _info(self, rejected: str = "", unmet: Sequence[Any] | None = None) -> dict[str, Any]:
        """What a policy may use besides the observation (a planner as a policy needs the
        structured scene and options) and what judges the episode."""
        episode = self._episode
        assert episode is not None
        if unmet is None:
            unmet = self._unmet(episode)
        _, scene, afforded = self._view()
        last = episode.records[-1] if episode.records and not rejected else None
        return {
            "task": episode.task,  # family, seed, instruction, goal predicates
            "scene": scene,
            "afforded": afforded,
            "history": episode.history,  # the outcomes of the steps so far
            "action_mask": self.spaces.action_mask(afforded),
            "actions": episode.actions,
            "succeeded": None if last is None or last.result is None else last.succeeded,
            "unmet": tuple(describe(p) for p in unmet),  # on the simulator's ground truth
            "message": episode.result.message if episode.result is not None else "",
            "rejected": rejected,
        }


def _checked_family(family: Any) -> str:
    if family not in FAMILIES:
        raise ValueError(f"unknown task family {family!r} (have: {', '.join(FAMILIES)})")
    return str(family)
