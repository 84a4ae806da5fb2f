"""The observer base: told each step and model call as it happens, the whole episode at its end.

The run recorder (`records.trace.RunRecorder`) forwards to its observers; an observer only notes
what arrived and when while the arm works, and does its work after the episode (`publish`), from
the records and the timeline rebuilt from them (`records.observers.timeline`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from agent.types import EpisodeResult, StepRecord
from drivers import ArmState
from records.observers.timeline import EpisodeTimeline, episode_timeline


class EpisodeObserver:
    """One episode's observer. `clock`: Unix seconds (tests hand in their own)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.arrived_at: list[float] = []
        self.model_calls: list[list[Any]] = []  # per step, the planner's records of it
        self._pending_calls: list[Any] = []
        self.arm_state: Callable[[], ArmState] | None = None

    def watch_arm(self, arm_state: Callable[[], ArmState]) -> None:
        """Where to read the arm's state (`driver.get_state`), for observers that record it."""
        self.arm_state = arm_state

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
