"""When each part of an episode happened, in Unix seconds, rebuilt from its step records.

A `StepRecord` carries how long its perception, planning and execution took, not when; the
wall-clock anchors are the times the records reach the observers (the agent hands each one over
right after the step's last perception), each primitive's (start, end) in `StepResult.timings`
and each model call's `started_at`. Per step:

- perceive: the one after the previous step ends when that step's record arrived; the episode's
  first ends where the first plan starts;
- execute: from the first primitive's start for `seconds_execute` (no primitive: it ends where
  the perception after it starts, or when the record arrived);
- plan: ends where the execution starts (done(): when the record arrived);
- the step: from its perception to the next step's perception (the last: to its record).

The episode runs from the first perception to the last record, or `seconds["total"]` after its
start if that is later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.types import EpisodeResult, StepRecord


@dataclass(frozen=True)
class Interval:
    start: float  # Unix seconds
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            object.__setattr__(self, "end", self.start)

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def clamped(self, outer: Interval) -> Interval:
        """This interval moved inside `outer` (a model call's clock against its step's)."""
        start = min(max(self.start, outer.start), outer.end)
        return Interval(start, min(max(self.end, start), outer.end))


@dataclass(frozen=True)
class StepTimes:
    step: Interval
    perceive: Interval
    plan: Interval
    execute: Interval | None  # None: the planner chose done()
    primitives: tuple[Interval, ...]  # each primitive sent, from StepResult.timings
    model_calls: tuple[tuple[Any, Interval], ...]  # (the planner's record, when it ran)


@dataclass(frozen=True)
class EpisodeTimeline:
    episode: Interval
    steps: tuple[StepTimes, ...]


def model_call_interval(call: Any) -> Interval:
    started = float(getattr(call, "started_at", 0.0))
    return Interval(started, started + float(getattr(call, "seconds", 0.0)))


def episode_timeline(episode: EpisodeResult, arrived_at: Sequence[float],
                     model_calls: Sequence[Sequence[Any]], finished_at: float) -> EpisodeTimeline:
    """`arrived_at[i]`: when record i reached the observer; `model_calls[i]`: the planner's
    records of step i; `finished_at`: when the episode was handed over (used only when it has
    no step)."""
    records = episode.records
    if len(arrived_at) != len(records) or len(model_calls) != len(records):
        raise ValueError(f"{len(records)} records, {len(arrived_at)} arrival times and "
                         f"{len(model_calls)} model call lists")
    total = float(episode.seconds.get("total", 0.0))
    if not records:
        return EpisodeTimeline(Interval(finished_at - total, finished_at), ())
    phases = [
        _phases(r, arrived_at[i], arrived_at[i - 1] if i else None,
                records[i + 1].seconds_perceive if i + 1 < len(records) else 0.0)
        for i, r in enumerate(records)
    ]
    steps = []
    for i, (perceive, plan, execute, primitives) in enumerate(phases):
        end = phases[i + 1][0].start if i + 1 < len(phases) else arrived_at[i]
        step = Interval(perceive.start, max(end, execute.end if execute else plan.end))
        calls = tuple((call, model_call_interval(call).clamped(plan)) for call in model_calls[i])
        steps.append(StepTimes(step, perceive, plan, execute, primitives, calls))
    start = steps[0].step.start
    return EpisodeTimeline(Interval(start, max(steps[-1].step.end, start + total)), tuple(steps))


def _phases(record: StepRecord, arrived: float, previous_arrived: float | None,
            seconds_after: float) -> tuple[Interval, Interval, Interval | None,
                                           tuple[Interval, ...]]:
    """`seconds_after`: the perception after the step (the next record's), 0 for the last."""
    result = record.result
    primitives = tuple(Interval(a, b) for a, b in result.timings) if result is not None else ()
    execute: Interval | None = None
    if result is not None and primitives:
        begin = primitives[0].start
        execute = Interval(begin, max(begin + record.seconds_execute, primitives[-1].end))
    elif result is not None:
        end = arrived - seconds_after  # did not compile, or already held: no motion
        execute = Interval(end - record.seconds_execute, end)
    plan_end = execute.start if execute is not None else arrived
    plan = Interval(plan_end - record.seconds_plan, plan_end)
    # after a step, the look ends just before that step's record arrives
    end = plan.start if previous_arrived is None else min(previous_arrived, plan.start)
    perceive = Interval(end - record.seconds_perceive, end)
    return perceive, plan, execute, primitives
