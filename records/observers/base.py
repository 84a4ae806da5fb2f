"""The observer base: told each step and model call as it happens, the whole episode at its end.

The run recorder (`records.trace.RunRecorder`) forwards to its observers; an observer only notes
what arrived and when while the arm works, and does its work after the episode (`publish`), from
the records and the timeline rebuilt from them (`records.observers.timeline`).

An observer with a `motion_hz` is also told the motion as the simulator steps it: `on_motion`
at that rate of simulated time, from the simulator's physics steps (`sim.world.World`'s step
listeners), never by polling an arm faster than it reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agent.types import EpisodeResult, StepRecord
from drivers import ArmState
from records.observers.timeline import EpisodeTimeline, episode_timeline

# Subscribes a listener to the simulator's physics steps (it is told the simulated time after
# each); returns what unsubscribes it. `sim.world.World.add_step_listener` is one.
StepSubscription = Callable[[Callable[[float], None]], Callable[[], None]]


class EpisodeObserver:
    """One episode's observer. `clock`: Unix seconds (tests hand in their own)."""

    motion_hz: float | None = None  # samples of the motion per simulated second (None: none)

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.arrived_at: list[float] = []
        self.model_calls: list[list[Any]] = []  # per step, the planner's records of it
        self._pending_calls: list[Any] = []
        self.arm_state: Callable[[], ArmState] | None = None
        self._next_motion_sample = -1.0

    def watch_arm(self, arm_state: Callable[[], ArmState],
                  physics_steps: StepSubscription | None = None) -> Callable[[], None]:
        """Where to read the arm's state (`driver.get_state`), for observers that record it, and
        the simulator's physics steps to sample the motion from (None: no simulator here).
        Returns what stops the sampling (call it when the episode ends)."""
        self.arm_state = arm_state
        if physics_steps is None or self.motion_hz is None:
            return lambda: None
        return physics_steps(self._physics_step)

    def _physics_step(self, sim_time: float) -> None:
        if sim_time + 1e-9 < self._next_motion_sample:
            return
        assert self.motion_hz is not None
        period = 1.0 / self.motion_hz
        if self._next_motion_sample < 0 or sim_time - self._next_motion_sample > period:
            self._next_motion_sample = sim_time  # the first sample, or after a gap: start here
        self._next_motion_sample += period
        self.on_motion(sim_time)

    def on_motion(self, sim_time: float) -> None:
        """The motion at `sim_time` (every 1 / motion_hz simulated seconds while it runs)."""

    def on_model_call(self, call: Any) -> None:
        self._pending_calls.append(call)

    def on_step(self, record: StepRecord) -> None:
        self.arrived_at.append(self.clock())
        self.model_calls.append(self._pending_calls)
        self._pending_calls = []

    def finish(self, episode: EpisodeResult) -> None:
        """The episode is over (also when interrupted: the steps finished so far)."""
        count = len(episode.records)
        timeline = episode_timeline(episode, self.arrived_at[:count], self.model_calls[:count],
                                    self.clock())
        self.publish(episode, timeline)

    def publish(self, episode: EpisodeResult, timeline: EpisodeTimeline) -> None:
        raise NotImplementedError
