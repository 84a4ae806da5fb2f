"""The run directory: a JSON-lines trace of every planning step, camera frames and a summary.

Every write is checked (records.run_dir): one that fails raises RunDirectoryError, which, raised
from the agent's step callback, ends the episode before the next motion; trace lines are written
whole. In a dry run every trace line and the summary say `"dry_run": true` and `"moved": false`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from agent.types import EpisodeResult, Sensors, StepRecord
from perception.types import Frame, Scene
from records.pictures import annotate, strip
from records.report.episode_page import write_episode_report
from records.run_dir import (
    LLM_CALLS_FILE,
    SUMMARY_FILE,
    TRACE_FILE,
    RunDirectoryError,
    append_line,
    check_writable,
    write_image,
    write_text,
)
from skills.relations import describe_state
from skills.types import Primitive, StepResult

if TYPE_CHECKING:
    from records.observers.base import EpisodeObserver


log = logging.getLogger(__name__)


def _primitive_json(primitive: Primitive) -> dict[str, Any]:
    return {
        "phase": primitive.phase,
        "kind": primitive.kind,
        "pose": None if primitive.pose is None else [round(v, 4) for v in primitive.pose],
        "joints": primitive.joints,
    }


def _result_json(result: StepResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "success": result.success,
        "dry_run": result.dry_run,
        "message": result.message,
        "seconds": round(result.seconds, 3),
        "primitives": [_primitive_json(p) for p in result.primitives],
        "primitive_times": [[round(a, 4), round(b, 4)] for a, b in result.timings],
        "released_at": None if result.released_at is None
        else [round(v, 4) for v in result.released_at],
    }


def fault_json(event: Any) -> dict[str, Any]:
    return {"fault": event.fault, "step": event.step, "detail": event.detail}


def detections_json(scene: Scene) -> list[dict[str, Any]]:
    return [{"name": d.name, "position": [round(v, 4) for v in d.position],
             "confidence": round(d.confidence, 3)} for d in scene.objects]


def camera_json(frame: Frame) -> dict[str, Any]:
    """What projects a world point into the frame (the report draws the detections with it)."""
    return {"name": frame.camera_name,
            "intrinsics": [[round(float(v), 4) for v in row] for row in frame.intrinsics],
            "camera_to_world": [[round(float(v), 6) for v in row]
                                for row in frame.camera_to_world]}


def record_json(record: StepRecord, dry_run: bool = False) -> dict[str, Any]:
    """One trace line: scene text and detections, every option's three scores (upper bounds
    where `bound`: pruned by the search, which `search` summarises), the choice, the primitives
    sent (in a dry run: checked, not sent) and the result."""
    reasons = {a.option.text: a.reason for a in record.afforded}
    return {
        "step": record.index,
        "dry_run": dry_run,
        "scene": record.scene.describe(),
        "state": describe_state(record.scene),
        "detections": detections_json(record.scene),
        "camera": camera_json(record.frame_before),
        "options": [
            {
                "text": s.option.text,
                "llm_logprob": s.llm_logprob,
                "n_tokens": s.n_tokens,
                "llm_score": s.llm_score,
                "affordance": s.affordance,
                "affordance_reason": reasons.get(s.option.text, ""),
                "combined": s.combined,
                "bound": s.bound,
            }
            for s in record.step.scored
        ],
        "search": None if record.step.search is None else asdict(record.step.search),
        "chosen": record.step.option.text,
        "p": record.step.p,  # the chosen option's p_LLM, when a model chose it
        "unsure": record.step.unsure,
        "note": record.step.note,
        "result": _result_json(record.result),
        "verdict": None if record.verdict is None else {
            "holds": record.verdict.holds, "evidence": record.verdict.evidence},
        "succeeded": record.succeeded,
        "faults": [fault_json(f) for f in record.faults],
        "recovery": record.recovery,
        "seconds": {
            "perceive": round(record.seconds_perceive, 3),
            "plan": round(record.seconds_plan, 3),
            "execute": round(record.seconds_execute, 3),
        },
    }


class RunRecorder:
    """Appends each step to trace.jsonl as it happens and (with `save_frames`) saves the frames
    before and after. `dry_run`: the run's motions are checked, not executed (said in every
    line). `min_free_bytes`: the free space the run directory must have at the start."""

    def __init__(self, run_dir: Path, save_frames: bool = True, dry_run: bool = False,
                 min_free_bytes: int = 0, observers: Sequence[EpisodeObserver] = ()) -> None:
        self.run_dir = Path(run_dir)
        self.frames_dir = self.run_dir / "frames"
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunDirectoryError(f"cannot create the run directory {self.run_dir}: "
                                    f"{error.strerror or error}") from error
        check_writable(self.run_dir, min_free_bytes)
        self.trace_path = self.run_dir / TRACE_FILE
        self.save_frames = save_frames
        self.dry_run = dry_run
        self.report_path: Path | None = None
        self.observers = tuple(observers)  # traces, recordings: told everything, in order

    def watch(self, sensors: Sensors) -> Callable[[], None]:
        """What observers read while the episode runs (`agent.types.Sensors`: the arm's state,
        the simulator's physics steps and camera). Returns what stops the sampling: call it
        when the episode ends."""
        stops = [observer.watch(sensors) for observer in self.observers]

        def stop() -> None:
            for each in stops:
                each()

        return stop

    def __call__(self, record: StepRecord) -> None:
        for observer in self.observers:  # first: they note when the record arrived
            observer.on_step(record)
        append_line(self.trace_path, json.dumps(record_json(record, self.dry_run)))
        if not self.save_frames:
            return
        self.save_frame(record.frame_before, f"step{record.index:02d}_before")
        if record.frame_after is not None:
            self.save_frame(record.frame_after, f"step{record.index:02d}_after")

    def llm_call(self, record: Any) -> None:
        """One line per model call: the whole prompt, every option and its scores, timing."""
        append_line(self.run_dir / LLM_CALLS_FILE, json.dumps(record.to_json()))
        for observer in self.observers:
            observer.on_model_call(record)

    def save_frame(self, frame: Frame, stem: str, depth: bool = True) -> Path:
        self._make_frames_dir()
        path = self.frames_dir / f"{stem}_{frame.camera_name}.png"
        write_image(path, cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR))
        if not depth or frame.depth is None:  # an RGB-only camera has none to save
            return path
        depth_mm = np.clip(frame.depth * 1000.0, 0, 65535).astype(np.uint16)
        write_image(path.with_name(path.stem + "_depth_mm.png"), depth_mm)
        return path

    def save_step_frames(self, episode: EpisodeResult) -> None:
        """Each step's colour frames before and after, after the episode (for a recorder that
        saved none while it ran)."""
        for record in episode.records:
            self.save_frame(record.frame_before, f"step{record.index:02d}_before", depth=False)
            if record.frame_after is not None:
                self.save_frame(record.frame_after, f"step{record.index:02d}_after",
                                depth=False)

    def _make_frames_dir(self) -> None:
        try:
            self.frames_dir.mkdir(exist_ok=True)
        except OSError as error:
            raise RunDirectoryError(f"cannot create {self.frames_dir}: "
                                    f"{error.strerror or error}") from error

    def save_episode_strip(self, episode: EpisodeResult) -> Path | None:
        """frames/episode.png: each step's frame with its detections and the step chosen,
        then the final frame."""
        if not episode.records:
            return None
        panels = [
            (annotate(r.frame_before, r.scene), f"{r.index + 1}: {r.step.option.text}")
            for r in episode.records
        ]
        last = episode.records[-1]
        if last.frame_after is not None:
            panels.append((cv2.cvtColor(last.frame_after.rgb, cv2.COLOR_RGB2BGR), "after"))
        self._make_frames_dir()
        path = self.frames_dir / "episode.png"
        executed = len(episode.executed)
        done = "checked (dry run)" if self.dry_run else "executed"
        title = (f'"{episode.instruction}": {episode.message} after {executed} {done} '
                 f'step{"" if executed == 1 else "s"}')
        write_image(path, strip(panels, title=title))
        return path

    def finish(self, episode: EpisodeResult, extra: dict[str, Any]) -> Path:
        summary = {
            "instruction": episode.instruction,
            "finished": episode.finished,
            "status": episode.status,
            "message": episode.message,
            "steps": [r.step.option.text for r in episode.records],
            "moved": episode.moved,
            "dry_run": self.dry_run,
            "seconds": {k: round(v, 3) for k, v in episode.seconds.items()},
            **extra,
        }
        if episode.final_scene is not None:
            summary["final_detections"] = detections_json(episode.final_scene)
        path = self.run_dir / SUMMARY_FILE
        write_text(path, json.dumps(summary, indent=2) + "\n")
        success = extra.get("benchmark_success")
        for observer in self.observers:  # traces, recordings: after the records are safe
            observer.finish(episode, success)
        self.report_path = self.write_report()
        return path

    def write_report(self) -> Path | None:
        """report.html from what the run directory holds; a report that cannot be made is
        logged, never lost records (the run directory is complete without it)."""
        try:
            return write_episode_report(self.run_dir)
        except (OSError, ValueError) as error:
            log.warning("no report for %s: %s", self.run_dir, error)
        except Exception:  # noqa: BLE001 - a bug in the report must not cost the episode
            log.exception("no report for %s", self.run_dir)
        return None
