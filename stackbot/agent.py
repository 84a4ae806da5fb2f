"""The agent loop: perceive -> plan -> compile -> execute -> perceive again."""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from perception.types import Frame, Scene
from skills.compiler import CompilerConfig, compile_step
from skills.driver import ArmDriver
from skills.options import AffordanceModel, enumerate_options
from skills.primitives import execute
from skills.skill_set import DEFAULT_SKILLS, SkillSet
from skills.types import AffordedOption, Outcome, Step, StepResult

log = logging.getLogger(__name__)

TOP_DOWN = (math.pi, 0.0, 0.0)


class Perceiver(Protocol):
    def __call__(self) -> tuple[Frame, Scene]: ...


class Planner(Protocol):
    def next_step(
        self, command: str, scene: Scene, options: Sequence[AffordedOption],
        history: Sequence[Outcome],
    ) -> Step: ...


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


@dataclass(frozen=True)
class EpisodeResult:
    instruction: str
    records: tuple[StepRecord, ...]
    finished: bool  # the planner chose done() (rather than hitting the step limit or failing)
    message: str
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def executed(self) -> tuple[StepResult, ...]:
        return tuple(r.result for r in self.records if r.result is not None)

    @property
    def moved(self) -> bool:
        """Whether any primitive reached the arm (in a dry run, none did)."""
        return any(result.moved for result in self.executed)


class Agent:
    """Runs one instruction to the end on one arm. Knows no concrete classes: it is handed them.

    The planner is given the scene as it is now and the history of every step taken, with
    whether it succeeded and the scene before and after it; a failed step (nothing grasped, an
    unreachable pose) can be chosen again from the scene as it is then, until the step limit.
    """

    def __init__(
        self,
        perceive: Perceiver,
        planner: Planner,
        driver: ArmDriver,
        affordance: AffordanceModel,
        compiler: CompilerConfig,
        max_steps: int = 5,
        on_step: Callable[[StepRecord], None] | None = None,
        skills: SkillSet = DEFAULT_SKILLS,
    ) -> None:
        if max_steps < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        self._perceive = perceive
        self._planner = planner
        self._driver = driver
        self._affordance = affordance
        self._compiler = compiler
        self._max_steps = max_steps
        self._on_step = on_step
        self._skills = skills

    def _reach(self, point: tuple[float, float, float]) -> bool:
        return self._driver.is_reachable((*point, *TOP_DOWN))

    def run(self, instruction: str) -> EpisodeResult:
        if not instruction.strip():
            raise ValueError("the instruction is empty")
        records: list[StepRecord] = []
        history: list[Outcome] = []
        started = time.perf_counter()
        frame, scene, seconds_perceive = self._timed_perceive()
        finished, message = False, f"stopped at the step limit ({self._max_steps})"
        for index in range(self._max_steps):
            t0 = time.perf_counter()
            reach = functools.cache(self._reach)  # many options share each point
            afforded = tuple(self._affordance.afford(enumerate_options(scene, self._skills),
                                                     scene, reach=reach, skills=self._skills))
            step = self._planner.next_step(instruction, scene, afforded, history)
            seconds_plan = time.perf_counter() - t0
            if step.option.is_done:
                record = StepRecord(index, scene, step, afforded, None, frame, None,
                                    seconds_perceive, seconds_plan, 0.0)
                self._emit(records, record)
                finished, message = True, "the planner chose done()"
                break
            result = self._execute(step, scene)
            frame_after, scene_after, seconds_after = self._timed_perceive()
            scene_after = self._affordance.geometry.with_hidden(scene, scene_after)
            record = StepRecord(index, scene, step, afforded, result, frame, frame_after,
                                seconds_perceive, seconds_plan, result.seconds)
            self._emit(records, record)
            history.append(Outcome(step.option, result.success, scene, scene_after))
            frame, scene, seconds_perceive = frame_after, scene_after, seconds_after
            if result.success:
                continue
            # The planner may choose a failed step again (a retry, from the scene as it is now);
            # an arm in fault ends the episode.
            fault = self._driver.get_state().fault
            if fault:
                message = f"stopped: the arm is in fault ({fault})"
                break
        return EpisodeResult(
            instruction, tuple(records), finished, message,
            seconds=_totals(records, time.perf_counter() - started),
        )

    def _execute(self, step: Step, scene: Scene) -> StepResult:
        try:
            primitives = compile_step(step, scene, self._compiler, self._skills)
        except ValueError as error:
            return StepResult(step, False, f"cannot compile: {error}")
        return execute(step, primitives, self._driver)

    def _timed_perceive(self) -> tuple[Frame, Scene, float]:
        t0 = time.perf_counter()
        frame, scene = self._perceive()
        return frame, scene, time.perf_counter() - t0

    def _emit(self, records: list[StepRecord], record: StepRecord) -> None:
        records.append(record)
        if self._on_step is not None:
            self._on_step(record)


def _totals(records: Sequence[StepRecord], total: float) -> dict[str, float]:
    return {
        "perceive": sum(r.seconds_perceive for r in records),
        "plan": sum(r.seconds_plan for r in records),
        "execute": sum(r.seconds_execute for r in records),
        "total": total,
    }
