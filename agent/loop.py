"""The agent loop: perceive -> plan -> compile -> execute -> perceive again -> check.

With feedback (the default, Inner Monologue's success detection) every executed step's intended
effect is checked on the scene perceived after it (the skill's `verify`, never the simulator's
ground truth): a step succeeds when its effect is seen, and a failed step reaches the planner as
`# failed: <evidence>`. A step whose effect already holds when it is chosen is not executed. A
step that failed `1 + max_retries` times is vetoed (affordance 0) for the rest of the episode;
an attempt the arm carried out whose block is then seen far from where it was let go (a person
moved it) is not counted, only the step limit bounds those. A frame that lacks an object the
previous one showed is looked at again (a detection that flickers out for one frame). A motion
cut short by `stop()` ends the episode with nothing more moved, and so does an emergency stop (a
person's decision: never cleared here). Any other arm fault ends the episode unless
`clear_faults`, when the fault is cleared and the arm opens its gripper and goes home before the
planner is asked again; with `home_after_failure` it does the same after any step that failed
part way (a collision, a timeout), so the camera sees the table rather than the arm.

A refusal (`cannot(...)`, `skills/refusal.py`) ends the episode with nothing moved and one line
saying why; once a step has moved the arm it is vetoed (the robot does not refuse what it has
begun). A step the planner is unsure of (`Step.unsure`: p_LLM below planner.min_confidence) is
not executed: the episode ends `unsure` with the best guess in its message, unless
`confirm_guess` (the interactive prompt asks the person) says to go ahead.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import replace
from typing import Any

from agent.types import Decision, EpisodeResult, Perceiver, Planner, StepRecord
from drivers import EMERGENCY_STOP, ArmDriver, ArmError
from perception.types import Frame, Scene
from planner.grounding import mentioned_objects
from skills.compiler import CompilerConfig, compile_step
from skills.options import AffordanceModel, enumerate_options
from skills.primitives import execute
from skills.refusal import refusal_reason
from skills.skill_set import SkillSet
from skills.types import AffordedOption, Outcome, Step, StepResult, Verdict

log = logging.getLogger(__name__)

TOP_DOWN = (math.pi, 0.0, 0.0)
# The grasp yaw's turn on each attempt of a step (a cube looks the same every 90 degrees).
GRASP_YAW_TURNS = (0.0, math.pi / 4, math.pi / 8, 3 * math.pi / 8)
# Looks in a row that find nothing new before the table at the start is taken as all seen (an
# object that drops out of one frame in five is then missed at the start once in 125 episodes).
QUIET_LOOKS = 2


class Agent:
    """Runs one instruction to the end on one arm. Knows no concrete classes: it is handed them.

    The planner is given the scene as it is now and the history of every step taken, with
    whether it succeeded (with feedback: whether its effect was seen, and the evidence) and the
    scene before and after it; a failed step can be chosen again from the scene as it is then,
    until the step limit or its retries run out.
    """

    def __init__(
        self,
        perceive: Perceiver,
        planner: Planner,
        driver: ArmDriver,
        affordance: AffordanceModel,
        compiler: CompilerConfig,
        *,
        skills: SkillSet,
        max_steps: int,
        on_step: Callable[[StepRecord], None] | None = None,
        feedback: bool = True,
        max_retries: int = 2,
        clear_faults: bool = False,
        home_after_failure: bool = False,
        fault_events: Callable[[], Sequence[Any]] | None = None,
        looks: int = 5,
        confirm_guess: Callable[[Step], bool] | None = None,
    ) -> None:
        if max_steps < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        if looks < 1:
            raise ValueError(f"looks must be at least 1, got {looks}")
        self._perceive = perceive
        self._planner = planner
        self._driver = driver
        self._affordance = affordance
        self._compiler = compiler
        self._max_steps = max_steps
        self._on_step = on_step
        self._skills = skills
        self._feedback = feedback
        self._max_retries = max_retries
        self._clear_faults = clear_faults
        self._home_after_failure = home_after_failure
        self._fault_events = fault_events
        self._looks = looks
        self._confirm_guess = confirm_guess

    def _reach(self, point: tuple[float, float, float]) -> bool:
        return self._driver.is_reachable((*point, *TOP_DOWN))

    def run(self, instruction: str) -> EpisodeResult:
        """The episode to its end, the planner choosing every step."""
        episode = self.steps(instruction)
        decision = next(episode)
        while True:
            step = self._planner.next_step(decision.instruction, decision.scene,
                                           decision.afforded, decision.history)
            try:
                decision = episode.send(step)
            except StopIteration as end:
                return end.value

    def steps(self, instruction: str) -> Generator[Decision, Step, EpisodeResult]:
        """The episode as a generator: it yields each `Decision` the planner would be asked
        for, is sent the chosen `Step` (one of the decision's options) and returns the
        `EpisodeResult`. `run` sends the planner's choices; the Gymnasium environment
        (`stackbot_gym/`) a policy's."""
        if not instruction.strip():
            raise ValueError("the instruction is empty")
        return self._episode(instruction)

    def _episode(self, instruction: str) -> Generator[Decision, Step, EpisodeResult]:
        records: list[StepRecord] = []
        history: list[Outcome] = []
        failures: dict[str, int] = {}
        pending: dict[str, None] = {}  # steps whose last attempt failed, in order
        started = time.perf_counter()
        frame, scene, seconds_perceive = self._timed_perceive(None, mentioned_objects(instruction))
        finished, message = False, f"stopped at the step limit ({self._max_steps})"
        ending, acted = "step_limit", False
        for index in range(self._max_steps):
            t0 = time.perf_counter()
            afforded = self._afford(scene, failures, pending, acted)
            step = yield Decision(instruction, scene, afforded, tuple(history), frame, index)
            seconds_plan = time.perf_counter() - t0
            if step.unsure and not step.option.is_done and not step.option.is_refusal:
                if self._confirm_guess is not None and self._confirm_guess(step):
                    step = replace(step, note=f"{step.note}; the person confirmed the guess")
                else:
                    self._emit(records, StepRecord(index, scene, step, afforded, None, frame,
                                                   None, seconds_perceive, seconds_plan, 0.0,
                                                   faults=self._drain_faults()))
                    ending, message = "unsure", unsure_message(step)
                    break
            if step.option.is_refusal:
                self._emit(records, StepRecord(index, scene, step, afforded, None, frame, None,
                                               seconds_perceive, seconds_plan, 0.0,
                                               faults=self._drain_faults()))
                finished, ending = True, "refused"
                message = refusal_reason(instruction, step.option.args[0], self._skills.names)
                break
            if step.option.is_done:
                again = self._look_before_stopping(scene)
                seen = _missing(again[1], scene) if again is not None else []
                record = StepRecord(index, scene, step, afforded, None, frame, None,
                                    seconds_perceive, seconds_plan, 0.0,
                                    faults=self._drain_faults(),
                                    recovery=f"looked again before stopping and saw the "
                                             f"{', '.join(seen)}: planning on" if seen else "")
                self._emit(records, record)
                if again is None or not seen:
                    finished, message, ending = True, "the planner chose done()", "done"
                    break
                frame, scene, seconds_perceive = again
                continue
            already = self._check(step, scene, scene)
            recovery, fault, moved_after = "", None, ""
            if already is not None and already.holds:
                result = StepResult(step, True, f"not executed: already holds ({already.evidence})")
                frame_after, scene_after, seconds_after = frame, scene, 0.0
                verdict: Verdict | None = already
            else:
                result = self._execute(step, scene, failures.get(step.option.text, 0))
                fault = None if result.success else self._driver.get_state().fault
                if not result.success and result.moved and not _stopped(result):
                    recovery = self._recover(fault)
                frame_after, scene_after, seconds_after = self._timed_perceive(scene)
                verdict = None if result.dry_run else self._check(step, scene_after, scene)
                moved_after = self._moved_after_release(result, verdict, scene_after)
                recovery = moved_after or recovery
                acted = acted or result.moved
            record = StepRecord(index, scene, step, afforded, result, frame, frame_after,
                                seconds_perceive, seconds_plan, result.seconds, verdict,
                                self._drain_faults(), recovery)
            self._emit(records, record)
            if not record.succeeded:
                if not moved_after:
                    failures[step.option.text] = failures.get(step.option.text, 0) + 1
                pending[step.option.text] = None
            else:
                pending.pop(step.option.text, None)
            note = verdict.evidence if verdict is not None and not record.succeeded else ""
            history.append(Outcome(step.option, record.succeeded, scene, scene_after, note))
            frame, scene, seconds_perceive = frame_after, scene_after, seconds_after
            if _stopped(result):
                message, ending = "stopped: the motion was interrupted (stop)", "stopped"
                break
            if fault and (fault == EMERGENCY_STOP or not self._clear_faults):
                message, ending = f"stopped: the arm is in fault ({fault})", "stopped"
                break
        return EpisodeResult(
            instruction, tuple(records), finished, message,
            seconds=_totals(records, time.perf_counter() - started), final_scene=scene,
            ending=ending,
        )

    def _afford(self, scene: Scene, failures: dict[str, int], pending: dict[str, None],
                acted: bool = False) -> tuple[AffordedOption, ...]:
        """The affordance model's scores, with every step that failed `1 + max_retries` times
        vetoed, the refusals vetoed once the arm has moved (`acted`) and, with feedback, done()
        vetoed while a step that failed can still be tried again (the robot does not stop with
        a failure it can still undo)."""
        reach = functools.cache(self._reach)  # many options share each point
        afforded = self._affordance.afford(enumerate_options(scene, self._skills), scene,
                                           reach=reach, skills=self._skills)
        limit = 1 + self._max_retries
        afforded = [
            AffordedOption(a.option, 0.0, f"failed {failures[a.option.text]} times "
                                          f"(agent.max_retries={self._max_retries})")
            if failures.get(a.option.text, 0) >= limit else
            AffordedOption(a.option, 0.0, "the arm has acted on the command already")
            if acted and a.option.is_refusal else a
            for a in afforded]
        open_failure = next((a.option.text for a in afforded
                             if a.option.text in pending and a.affordance > 0.0), None)
        if self._feedback and open_failure is not None:
            afforded = [AffordedOption(a.option, 0.0, f"{open_failure} failed and can be tried "
                                                      "again") if a.option.is_done else a
                        for a in afforded]
        return tuple(afforded)

    def _moved_after_release(self, result: StepResult, verdict: Verdict | None,
                             scene: Scene) -> str:
        """What the record says of a step the arm carried out (it let go of what it held, where
        it was sent) that something else undid afterwards, or "": such an attempt is not counted
        against `max_retries` (the step limit still bounds them)."""
        if verdict is None or verdict.holds or not result.success or result.released_at is None:
            return ""
        moved = self._skills.moved_after_release(result.step.option, scene, result.released_at)
        return f"not counted as a failed attempt: {moved} (moved after the place)" if moved else ""

    def _check(self, step: Step, scene: Scene, before: Scene) -> Verdict | None:
        """The step's effect on the scene, when feedback is on and the skill can see it
        (`before`: the scene the step was chosen on)."""
        if not self._feedback:
            return None
        verdict = self._skills.verify(step.option, scene, self._affordance.geometry, before)
        return verdict if verdict.checked else None

    def _recover(self, fault: str | None) -> str:
        """After a step that failed part way: with a fault, clear it (if `clear_faults`);
        then (if `home_after_failure`) open the gripper (a held block drops) and go home, out
        of the camera's view. Says what was done ("" for nothing)."""
        done = []
        try:
            if fault:
                if not self._clear_faults or fault == EMERGENCY_STOP:
                    return ""
                self._driver.clear_fault()
                done.append(f"fault {fault!r} cleared")
            if fault or self._home_after_failure:
                self._driver.gripper_open()
                self._driver.move_joints(self._driver.info.home_joints)
                done.append("gripper opened, arm at home")
        except ArmError as error:
            done.append(f"recovery failed: {type(error).__name__}: {error}")
        return "; ".join(done)

    def _execute(self, step: Step, scene: Scene, attempt: int = 0) -> StepResult:
        """Compile and run the step; a step tried again after failing grasps turned by
        `GRASP_YAW_TURNS` where the fingers have room (a block that fell tilted against a
        neighbour blocks the fingers at one yaw and not at another)."""
        turn = GRASP_YAW_TURNS[attempt % len(GRASP_YAW_TURNS)]
        compiler = replace(self._compiler, grasp_yaw_turn=turn) if turn else self._compiler
        try:
            primitives = compile_step(step, scene, compiler, self._skills)
        except ValueError as error:
            return StepResult(step, False, f"cannot compile: {error}")
        return execute(step, primitives, self._driver)

    def _timed_perceive(self, previous: Scene | None, wanted: Sequence[str] = ()
                        ) -> tuple[Frame, Scene, float]:
        """A frame and its scene, looked at up to `looks` times while objects come and go (a
        detection that flickers out for one frame), keeping every object any look showed: after
        a step (`previous` given) while an object `previous` showed is missing, at the start
        until `QUIET_LOOKS` looks in a row find nothing new and every object the command names
        (`wanted`) is seen. Blocks hidden under a block that is seen are kept where they
        were."""
        t0 = time.perf_counter()
        frame, scene = self._perceive()
        if previous is not None:
            scene = self._affordance.geometry.with_hidden(previous, scene)
        quiet = 0  # looks in a row at the start that found nothing new
        for _ in range(self._looks - 1):
            if previous is not None and not _missing(previous, scene):
                break
            frame, again = self._perceive()
            merged = _union(again, scene)
            quiet = 0 if len(merged.objects) > len(scene.objects) else quiet + 1
            scene = merged if previous is None else self._affordance.geometry.with_hidden(
                previous, merged)
            if previous is None and quiet >= QUIET_LOOKS and not _unseen(wanted, scene):
                break
        scene = scene.started() if previous is None else replace(scene, start=previous.start)
        return frame, scene, time.perf_counter() - t0

    def _look_before_stopping(self, scene: Scene) -> tuple[Frame, Scene, float] | None:
        """One more look when the planner chose done() (with feedback and more than one look
        allowed): the frame and the scene with what it adds, so an object that flickered out of
        every look so far is not taken for absent or done."""
        if not self._feedback or self._looks < 2:
            return None
        t0 = time.perf_counter()
        frame, fresh = self._perceive()
        merged = self._affordance.geometry.with_hidden(scene, _union(fresh, scene))
        return frame, merged, time.perf_counter() - t0

    def _drain_faults(self) -> tuple[Any, ...]:
        return tuple(self._fault_events()) if self._fault_events is not None else ()

    def _emit(self, records: list[StepRecord], record: StepRecord) -> None:
        records.append(record)
        if self._on_step is not None:
            self._on_step(record)


def unsure_message(step: Step) -> str:
    """The one line an episode ends with when the planner was unsure of its best guess."""
    p = f"{step.p:.2f}" if step.p is not None else "?"
    return (f"not sure what to do next: best guess {step.option.text} at p = {p}; rephrase the "
            "command")


def _stopped(result: StepResult) -> bool:
    """The step was cut short by `stop()`: stop means stop, nothing more moves."""
    return result.error == "MotionInterrupted"


def _missing(previous: Scene, now: Scene) -> list[str]:
    """The objects `previous` showed that `now` does not."""
    return _unseen([o.name for o in previous.objects], now)


def _unseen(names: Sequence[str], scene: Scene) -> list[str]:
    seen = {o.name for o in scene.objects}
    return [name for name in names if name not in seen]


def _union(latest: Scene, earlier: Scene) -> Scene:
    """The latest frame's objects, plus those only an earlier look showed."""
    seen = {o.name for o in latest.objects}
    return latest.with_objects(
        latest.objects + tuple(o for o in earlier.objects if o.name not in seen))


def _totals(records: Sequence[StepRecord], total: float) -> dict[str, float]:
    return {
        "perceive": sum(r.seconds_perceive for r in records),
        "plan": sum(r.seconds_plan for r in records),
        "execute": sum(r.seconds_execute for r in records),
        "total": total,
    }
