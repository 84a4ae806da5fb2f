"""Each benchmark episode's own record, so a person can see why the robot did what it did.

`<results stem>/<episode>/` holds trace.jsonl (every planning step: scene, every option's scores,
the choice, the primitives, the result), llm_calls.jsonl (every model call with its whole prompt),
summary.json and report.html, as a `stackbot` run directory does; each step's frames and
frames/episode.png (the annotated frames) for the episodes `pictures` asks for. A re-run of an
episode replaces its directory.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.types import EpisodeResult
from records.observers.config import build_observers
from records.trace import RunRecorder

PICTURES = ("failures", "all", "none")
OBSERVER_KEYS = ("telemetry", "record", "export")


@dataclass(frozen=True)
class EpisodeTraces:
    directory: Path
    pictures: str = "failures"
    observers: dict[str, Any] | None = None  # `telemetry`, `record`: each episode's traces

    def __post_init__(self) -> None:
        if self.pictures not in PICTURES:
            raise ValueError(f"episode_pictures must be one of {', '.join(PICTURES)}, "
                             f"got {self.pictures!r}")

    @classmethod
    def from_config(cls, config: dict[str, Any] | None,
                    run_config: dict[str, Any] | None = None) -> EpisodeTraces | None:
        """`run_config`: the worker's whole config, whose `telemetry`, `record` and `export` say
        which traces, recordings and dataset samples go in each episode's directory too."""
        if not config:
            return None
        observers = {key: (run_config or {}).get(key) for key in OBSERVER_KEYS}
        return cls(Path(config["directory"]), str(config.get("pictures", "failures")),
                   observers if any(observers.values()) else None)

    def recorder(self, key: str, dry_run: bool) -> RunRecorder:
        """`dry_run`: the run's motions are checked, not sent (said in every record)."""
        target = self.directory / re.sub(r"[^A-Za-z0-9_.-]+", "-", key)
        shutil.rmtree(target, ignore_errors=True)
        observers = build_observers(self.observers, target) if self.observers else ()
        return RunRecorder(target, save_frames=False, dry_run=dry_run, observers=observers)

    def finish(self, recorder: RunRecorder, episode: EpisodeResult, succeeded: bool,
               extra: dict[str, Any]) -> str:
        """Writes the summary and the report (with the frames and the picture, if asked for);
        returns the directory relative to the results file's folder."""
        if self.pictures == "all" or (self.pictures == "failures" and not succeeded):
            recorder.save_step_frames(episode)
            recorder.save_episode_strip(episode)
        recorder.finish(episode, {**extra, "benchmark_success": succeeded})
        return str(recorder.run_dir.relative_to(self.directory.parent))
