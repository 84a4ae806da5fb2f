"""Each benchmark episode's own record, so a person can see why the robot did what it did.

`<results stem>/<episode>/` holds trace.jsonl (every planning step: scene, every option's scores,
the choice, the primitives, the result), llm_calls.jsonl (every model call with its whole prompt)
and summary.json, as a `stackbot` run directory does; frames/episode.png (the annotated frames)
for the episodes `pictures` asks for. A re-run of an episode replaces its directory.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackbot.agent import EpisodeResult
from stackbot.trace import RunRecorder

PICTURES = ("failures", "all", "none")


@dataclass(frozen=True)
class EpisodeTraces:
    directory: Path
    pictures: str = "failures"

    def __post_init__(self) -> None:
        if self.pictures not in PICTURES:
            raise ValueError(f"episode_pictures must be one of {', '.join(PICTURES)}, "
                             f"got {self.pictures!r}")

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> EpisodeTraces | None:
        if not config:
            return None
        return cls(Path(config["directory"]), str(config.get("pictures", "failures")))

    def recorder(self, key: str) -> RunRecorder:
        target = self.directory / re.sub(r"[^A-Za-z0-9_.-]+", "-", key)
        shutil.rmtree(target, ignore_errors=True)
        return RunRecorder(target, save_frames=False)

    def finish(self, recorder: RunRecorder, episode: EpisodeResult, succeeded: bool,
               extra: dict[str, Any]) -> str:
        """Writes the summary (and the picture, if asked for); returns the directory relative
        to the results file's folder."""
        if self.pictures == "all" or (self.pictures == "failures" and not succeeded):
            recorder.save_episode_strip(episode)
        recorder.finish(episode, extra)
        return str(recorder.run_dir.relative_to(self.directory.parent))
