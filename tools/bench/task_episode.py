"""One benchmark episode in a session: reset the scene, run the agent, judge plan and execution.

Plan success: the planned skill calls, applied to the symbolic model of the scene, satisfy the
goal, and the plan ended with done() (or a refusal). A command no skill can carry out
(`Task.refusal`) must end refused when the refusals are offered (`refusals=true`), else done()
with nothing moved. Execution success: the goal holds on the simulator's ground truth at the
end. `status`: how the episode ended (done, refused, unsure, step_limit, stopped);
`confidence`: [p_LLM of the chosen option, right] per step (`tools/bench/calibration.py`).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from agent.fault_config import fault_results
from agent.session import SimSession
from agent.types import EpisodeResult, StepRecord
from planner.scripted import ScriptedPlanner
from records.console import failure_message
from sim.tasks.checks import (
    WaypointWatch,
    start_positions,
    unmet_as_perceived,
    unmet_in_world,
)
from sim.tasks.task import Task
from skills.goals import describe, evaluate_plan
from tools.bench.calibration import judged_steps
from tools.bench.traces import EpisodeTraces


def task_json(task: Task) -> dict[str, Any]:
    scene: dict[str, Any] = {"blocks": list(task.scene.blocks), "bowls": list(task.scene.bowls),
                             "seed": task.scene.seed}
    if task.scene.start_on:  # blocks that start on others
        scene["start_on"] = [list(pair) for pair in task.scene.start_on]
    return {
        "key": task.key, "family": task.family, "seed": task.seed,
        "instruction": task.instruction, "scene": scene, "goal": task.goal_text(),
        **({"waypoints": task.waypoint_text()} if task.waypoints else {}),
    }


def run_task(session: SimSession, task: Task,
             traces: EpisodeTraces | None = None) -> dict[str, Any]:
    """Run the task's episode and return its results line (a JSON-ready dict); with `traces`,
    the episode's steps and model calls are recorded in its own directory too."""
    planner = session.planner
    if isinstance(planner, ScriptedPlanner):
        planner.set_goal(task.goal, task.refusal, task.waypoints)
    records_before = len(getattr(planner, "records", []))
    dry_run = bool(session.driver.dry_run)  # the safety guard's: checked, nothing sent
    recorder = traces.recorder(task.key, dry_run) if traces is not None else None
    if hasattr(planner, "on_record"):
        planner.on_record = recorder.llm_call if recorder is not None else None
    session.reset(task.scene)
    stop_watching = (lambda: None) if recorder is None else recorder.watch(session.sensors())
    start = start_positions(session.world)
    watch = WaypointWatch(session.world, task.waypoints, start) if task.waypoints else None
    agent = session.agent(on_step=_both(recorder, watch))
    try:
        with session.driver:
            episode = agent.run(task.instruction)
    finally:
        stop_watching()
    arm_fault = session.driver.get_state().fault  # None: the episode left the arm usable
    calls = getattr(planner, "records", [])[records_before:]
    plan = [r.step.option for r in episode.records if not r.step.option.is_done]
    plan_ok, plan_unmet = evaluate_plan(task.goal, (f"{c} block" for c in task.scene.blocks),
                                        plan, session.skills, task.scene.start_on,
                                        task.waypoints)
    plan_ok = plan_ok and episode.finished
    not_refused = bool(task.refusal) and session.skills.refusals and episode.status != "refused"
    plan_ok = plan_ok and not not_refused
    world_unmet = [] if dry_run else [describe(p) for p in (
        watch.unmet() if watch is not None else []) + unmet_in_world(session.world, task.goal,
                                                                      start)]
    if not_refused and not dry_run:  # nothing moved is not enough: it must say it cannot
        world_unmet.append(f"refused (the episode ended {episode.status})")
    perceived_unmet = None if dry_run else perceived_check(episode, task)
    trace = None if traces is None or recorder is None else traces.finish(
        recorder, episode, plan_ok and not world_unmet, {"task": task_json(task)})
    return {
        **task_json(task),
        "trace": trace,
        "dry_run": dry_run,
        "plan_success": plan_ok,
        "execution_success": None if dry_run else not world_unmet,  # a dry run moves nothing
        "perceived_success": None if perceived_unmet is None else not perceived_unmet,
        "finished": episode.finished,
        "status": episode.status,
        "message": episode.message,
        "arm_fault_at_end": arm_fault,
        "steps": [r.step.option.text for r in episode.records],
        "n_steps": len(episode.records),
        "llm_calls": sum(1 for c in calls if c.llm_logprobs),
        "option_tokens": sum(n for c in calls for n, pruned in
                             zip(c.n_tokens, c.bounds or (False,) * len(c.n_tokens), strict=True)
                             if not pruned),  # scored (best-first prunes some)
        "seconds": {k: round(v, 3) for k, v in episode.seconds.items()},
        "confidence": [[round(p, 4), right]
                       for p, right in judged_steps(episode, task, session.skills)],
        "plan_unmet": [describe(p) for p in plan_unmet],
        "execution_unmet": world_unmet,
        "perceived_unmet": [describe(p) for p in perceived_unmet or ()],
        "failure": failure_reason(episode, plan_ok, [describe(p) for p in plan_unmet],
                                  world_unmet),
        "traceback": None,
        **fault_results(session.faults),
    }


def _both(first: Callable[[StepRecord], None] | None, second: Callable[[StepRecord], None] | None
          ) -> Callable[[StepRecord], None] | None:
    """One `on_step` that calls both (either may be None)."""
    if first is None or second is None:
        return first or second

    def each(record: StepRecord) -> None:
        first(record)
        second(record)
    return each


def perceived_check(episode: EpisodeResult, task: Task) -> list | None:
    """The goal's unmet predicates on the last perceived scene, after the waypoints not
    reached over the scenes perceived during the episode (None: nothing was perceived)."""
    if not episode.records or episode.final_scene is None:
        return None
    seen = [r.scene for r in episode.records] + [episode.final_scene]
    return unmet_as_perceived(episode.final_scene, task.goal, episode.records[0].scene, seen,
                              task.waypoints)


def failure_reason(episode: EpisodeResult, plan_ok: bool, plan_unmet: list[str],
                   world_unmet: list[str]) -> str | None:
    if not world_unmet and plan_ok:
        return None
    failed = [failure_message(r) for r in episode.failed]
    if not world_unmet:
        return "plan: " + ("unmet " + ", ".join(plan_unmet) if plan_unmet else episode.message)
    if failed:
        return "execution: " + failed[0]
    if not plan_ok:
        return "plan: " + ("unmet " + ", ".join(plan_unmet) if plan_unmet else episode.message)
    return "execution: unmet on the table " + ", ".join(world_unmet)


def error_json(task: Task, error: BaseException) -> dict[str, Any]:
    """The results line of an episode that raised: a failure with its traceback."""
    return {
        **task_json(task), "plan_success": False, "execution_success": False,
        "perceived_success": None, "perceived_unmet": [], "finished": False, "status": "error",
        "message": f"{type(error).__name__}: {error}", "arm_fault_at_end": None,
        "steps": [], "n_steps": 0, "llm_calls": 0, "option_tokens": 0, "seconds": {},
        "plan_unmet": [], "execution_unmet": [],
        "failure": f"error: {type(error).__name__}: {error}",
        "traceback": "".join(traceback.format_exception(error)),
    }
