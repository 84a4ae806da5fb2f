"""What the agent loop hands its observers: the record of each planning step and of the episode,
and the two protocols it is handed (a perceiver, a planner). Run records, reports and telemetry
import these, never the loop itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from drivers import ArmState
from perception.types import Frame, Scene
from skills.types import AffordedOption, Outcome, Step, StepResult, Verdict


class Perceiver(Protocol):
    def __call__(self) -> tuple[Frame, Scene]: ...


class Planner(Protocol):
    def next_step(
        self, command: str, scene: Scene, options: Sequence[AffordedOption],
        history: Sequence[Outcome],
    ) -> Step: ...


@dataclass(frozen=True)
class Decision:
    """What the planner is asked at each step of an episode (`Agent.steps` yields it): the
    command, the scene as perceived now, every option with its affordance, the outcomes so far,
    the frame the scene was perceived in and the step's index."""

    instruction: str
    scene: Scene
    afforded: tuple[AffordedOption, ...]
    history: tuple[Outcome, ...]
    frame: Frame
    index: int


@dataclass(frozen=True)
class StepRecord:
    """Everything about one planning step: what was seen, scored, chosen, sent and what happened."""

    index: int
    scene: Scene
    step: Step
    afforded: tuple[AffordedOption, ...]
    result: StepResult | None
    frame_before: Frame
    frame_after: Frame | None
    seconds_perceive: float
    seconds_plan: float
    seconds_execute: float
    verdict: Verdict | None = None  # the step's effect checked on the scene after it
    faults: tuple[Any, ...] = ()  # injected faults that fired during the step (faults.FaultEvent)
    recovery: str = ""  # what the agent did after the step (e.g. cleared the arm's fault)

    @property
    def succeeded(self) -> bool:
        """Executed, and (when checked) its effect seen."""
        if self.result is None:
            return False
        return self.verdict.holds if self.verdict is not None else self.result.success


ENDINGS = ("done", "refused", "unsure", "step_limit", "stopped")


@dataclass(frozen=True)
class EpisodeResult:
    """`ending`: done (the planner chose done()), refused (a refusal: the command asks for what
    no skill does), unsure (the best option's p_LLM was below planner.min_confidence and nobody
    confirmed the guess), step_limit, stopped (an arm fault, stop, Ctrl-C); "" for a record
    made without it, read from `finished` (`status`)."""

    instruction: str
    records: tuple[StepRecord, ...]
    finished: bool  # the planner ended the episode: done() or a refusal (not the step limit)
    message: str
    seconds: dict[str, float] = field(default_factory=dict)
    final_scene: Scene | None = None  # as perceived after the last step
    ending: str = ""

    @property
    def status(self) -> str:
        return self.ending or ("done" if self.finished else "stopped")

    @property
    def executed(self) -> tuple[StepResult, ...]:
        return tuple(r.result for r in self.records if r.result is not None)

    @property
    def failed(self) -> tuple[StepRecord, ...]:
        return tuple(r for r in self.records if r.result is not None and not r.succeeded)

    @property
    def moved(self) -> bool:
        """Whether any primitive reached the arm (in a dry run, none did)."""
        return any(result.moved for result in self.executed)


# Subscribes a listener to the simulator's physics steps (it is told the simulated time after
# each) and returns what unsubscribes it: `sim.world.World.add_step_listener`.
StepSubscription = Callable[[Callable[[float], None]], Callable[[], None]]


@dataclass(frozen=True)
class Sensors:
    """What recordings may read while an episode runs: the arm's state; with a local simulator,
    its physics steps (to sample the motion from, never by polling an arm faster than it
    reports) and the session camera's view rendered at a given (width, height) on demand."""

    arm_state: Callable[[], ArmState]
    physics_steps: StepSubscription | None = None
    render: Callable[[int, int], Frame] | None = None
    arm_name: str = ""  # the arm's model (ArmInfo.name)
