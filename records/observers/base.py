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

from agent.types import EpisodeResult, Sensors, StepRecord
from drivers import ArmState
from records.observers.timeline import EpisodeTimeline, episode_timeline


class EpisodeObserver:
    """One episode's observer. `clock`: Unix seconds (tests hand in their own)."""

    motion_hz: float | None = None  # samples of the motion per simulated second (None: none)

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.arrived_at: list[float] = []
        self.model_calls: list[list[Any]] = []  # per step, the planner's records of it
        self._pending_calls: list[Any] = []
        self.arm_state: Callable[[], ArmState] | None = None
        self.sensors: Sensors | None = None
        self.success: bool | None = None  # the episode's, when a judge said (a benchmark)
        self._next_motion_sample = -1.0

    def watch(self, sensors: Sensors) -> Callable[[], None]:
        """What to read while the episode runs (the arm's state; with a simulator its physics
        steps, to sample the motion from, and its camera). Returns what stops the sampling (call
        it when the episode ends)."""
        self.sensors, self.arm_state = sensors, sensors.arm_state
        if sensors.physics_steps is None or self.motion_hz is None:
            return lambda: None
        return sensors.physics_steps(self._physics_step)

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

    def finish(self, episode: EpisodeResult, success: bool | None = None) -> None:
        """The episode is over (also when interrupted: the steps finished so far); `success`:
        whether it achieved its goal, when something judged it (a benchmark)."""
        self.success = success
        count = len(episode.records)
        timeline = episode_timeline(episode, self.arrived_at[:count], self.model_calls[:count],
                                    self.clock())
        self.publish(episode, timeline)

    def publish(self, episode: EpisodeResult, timeline: EpisodeTimeline) -> None:
        raise NotImplementedError
