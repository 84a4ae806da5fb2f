"""The few-shot header's KV cache on disk, so a new process skips evaluating it.

Every episode's prompt starts with the same few-shot header. `PromptCache` names a state file by
everything that changes its bytes (the model file, llama-cpp-python's version, the runtime
settings, the header's tokens); a file that is missing, stale or unreadable is simply recomputed.
Files are written to a temporary name and renamed, so concurrent workers never read half a file.
`python -m tools.warm_cache` fills the cache for the default model and prompt (`make setup`
does), so even the first run after installing starts with the header evaluated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import llama_cpp

log = logging.getLogger(__name__)

DEFAULT_DIR = "~/.cache/stackbot/prompt-kv"


@dataclass(frozen=True)
class PromptCache:
    directory: Path
    keep: int = 16  # newest files kept (about 8 MB each); older ones are deleted on each write

    @classmethod
    def at(cls, directory: str | os.PathLike[str] | None) -> PromptCache | None:
        """None for no directory, or for a home-relative one when there is no home."""
        if directory is None:
            return None
        try:
            return cls(Path(directory).expanduser())
        except RuntimeError:  # pathlib: "Could not determine home directory."
            log.warning("prompt cache off: cannot expand %s (no home directory)", directory)
            return None

    def path_for(self, model_path: str, settings: dict[str, int], tokens: Sequence[int]) -> Path:
        stat = os.stat(model_path)
        key = json.dumps({
            "model": os.path.realpath(model_path), "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns, "llama_cpp": llama_cpp.__version__,
            "settings": settings, "tokens": list(tokens),
        }, sort_keys=True)
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.kv"

    def save(self, path: Path, write: Callable[[str], bool]) -> None:
        """`write(file)` writes the state; it lands at `path` whole or not at all. A cache that
        cannot be written (read-only home, full disk) only costs speed."""
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if write(str(temporary)):
                os.replace(temporary, path)
                self._prune()
                return
        except OSError as error:
            log.warning("prompt cache not written to %s: %s", self.directory, error)
        temporary.unlink(missing_ok=True)

    @staticmethod
    def used(path: Path) -> None:
        """Mark a file as recently used, so pruning keeps it."""
        try:
            os.utime(path)
        except OSError:
            pass

    def _prune(self) -> None:
        def age(file: Path) -> float:
            try:
                return -file.stat().st_mtime
            except OSError:  # removed by another process meanwhile
                return 0.0

        for stale in sorted(self.directory.glob("*.kv"), key=age)[self.keep:]:
            stale.unlink(missing_ok=True)
