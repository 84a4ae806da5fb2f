"""The run directory: a JSON-lines trace of every planning step, camera frames and a summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from perception.types import Frame
from skills.types import Primitive, StepResult
from stackbot.agent import EpisodeResult, StepRecord
from stackbot.pictures import annotate, strip

TRACE_FILE = "trace.jsonl"
LLM_CALLS_FILE = "llm_calls.jsonl"
SUMMARY_FILE = "summary.json"


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
        "message": result.message,
        "seconds": round(result.seconds, 3),
        "primitives": [_primitive_json(p) for p in result.primitives],
    }


def record_json(record: StepRecord) -> dict[str, Any]:
    """One trace line: scene text and detections, every option's three scores, the choice,
    the primitives sent and the result."""
    reasons = {a.option.text: a.reason for a in record.afforded}
    return {
        "step": record.index,
        "scene": record.scene.describe(),
        "detections": [
            {"name": d.name, "position": [round(v, 4) for v in d.position],
             "confidence": round(d.confidence, 3)}
            for d in record.scene.objects
        ],
        "options": [
            {
                "text": s.option.text,
                "llm_logprob": s.llm_logprob,
                "n_tokens": s.n_tokens,
                "llm_score": s.llm_score,
                "affordance": s.affordance,
                "affordance_reason": reasons.get(s.option.text, ""),
                "combined": s.combined,
            }
            for s in record.step.scored
        ],
        "chosen": record.step.option.text,
        "result": _result_json(record.result),
        "seconds": {
            "perceive": round(record.seconds_perceive, 3),
            "plan": round(record.seconds_plan, 3),
            "execute": round(record.seconds_execute, 3),
        },
    }


class RunRecorder:
    """Appends each step to trace.jsonl as it happens and (with `save_frames`) saves the frames
    before and after."""

    def __init__(self, run_dir: Path, save_frames: bool = True) -> None:
        self.run_dir = Path(run_dir)
        self.frames_dir = self.run_dir / "frames"
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.trace_path = self.run_dir / TRACE_FILE
        self.save_frames = save_frames

    def __call__(self, record: StepRecord) -> None:
        with self.trace_path.open("a", encoding="utf-8") as trace:
            trace.write(json.dumps(record_json(record)) + "\n")
        if not self.save_frames:
            return
        self.save_frame(record.frame_before, f"step{record.index:02d}_before")
        if record.frame_after is not None:
            self.save_frame(record.frame_after, f"step{record.index:02d}_after")

    def llm_call(self, record: Any) -> None:
        """One line per model call: the whole prompt, every option and its scores, timing."""
        with (self.run_dir / LLM_CALLS_FILE).open("a", encoding="utf-8") as calls:
            calls.write(json.dumps(record.to_json()) + "\n")

    def save_frame(self, frame: Frame, stem: str) -> Path:
        self.frames_dir.mkdir(exist_ok=True)
        path = self.frames_dir / f"{stem}_{frame.camera_name}.png"
        cv2.imwrite(str(path), cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR))
        depth_mm = np.clip(frame.depth * 1000.0, 0, 65535).astype(np.uint16)
        cv2.imwrite(str(path.with_name(path.stem + "_depth_mm.png")), depth_mm)
        return path

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
        self.frames_dir.mkdir(exist_ok=True)
        path = self.frames_dir / "episode.png"
        executed = len(episode.executed)
        title = (f'"{episode.instruction}": {episode.message} after {executed} executed '
                 f'step{"" if executed == 1 else "s"}')
        cv2.imwrite(str(path), strip(panels, title=title))
        return path

    def finish(self, episode: EpisodeResult, extra: dict[str, Any]) -> Path:
        summary = {
            "instruction": episode.instruction,
            "finished": episode.finished,
            "message": episode.message,
            "steps": [r.step.option.text for r in episode.records],
            "moved": episode.moved,
            "seconds": {k: round(v, 3) for k, v in episode.seconds.items()},
            **extra,
        }
        path = self.run_dir / SUMMARY_FILE
        path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return path
