"""Writing a run directory safely: checked before the arm moves, each record written whole.

A write that fails (a full disk, a directory made read-only) raises RunDirectoryError, an OSError
that names the file: raised from the agent's step callback, it ends the episode before the next
motion. A JSON line is appended in one piece or not at all, so trace.jsonl stays valid JSON lines.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import numpy as np

MIN_FREE_BYTES = 32 * 1024 * 1024  # an episode's frames take a few MB; refuse to start with less


# What a run directory holds (frames/ beside them).
TRACE_FILE = "trace.jsonl"
LLM_CALLS_FILE = "llm_calls.jsonl"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"


class RunDirectoryError(OSError):
    """The run directory cannot be created or written, or it is (nearly) full."""


def nearest_existing(path: Path) -> Path:
    """`path`, or the closest ancestor of it that exists (what a mkdir -p would write into)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def remove_if_unused(directory: Path) -> bool:
    """Remove a run directory that holds only what Hydra wrote when the command started (`.hydra/`
    and the job's log), then its parents below the working directory while they are empty: a
    command refused before anything ran leaves nothing behind. Whether it was removed."""
    directory = Path(os.path.abspath(directory))
    if not directory.is_dir() or any(
            not (entry.name == ".hydra" and entry.is_dir() or entry.suffix == ".log")
            for entry in directory.iterdir()):
        return False
    shutil.rmtree(directory, ignore_errors=True)
    cwd, parent = Path.cwd().resolve(), directory.parent
    while cwd in parent.parents and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
    return True


def check_writable(directory: Path, min_free_bytes: int = MIN_FREE_BYTES) -> None:
    """RunDirectoryError unless files can be created where `directory` is (or would be made)
    and at least `min_free_bytes` are free there. Creates nothing that stays."""
    target = nearest_existing(directory)
    if not target.is_dir():
        raise RunDirectoryError(f"run directory {directory}: {target} is not a directory")
    try:
        with tempfile.TemporaryFile(dir=target, prefix=".stackbot-probe-") as probe:
            probe.write(b"probe\n")
            probe.flush()
            os.fsync(probe.fileno())
        stats = os.statvfs(target)
    except OSError as error:
        raise RunDirectoryError(f"run directory {directory} is not writable: "
                                f"{error.strerror or error}") from error
    free = stats.f_bavail * stats.f_frsize
    if free < min_free_bytes:
        raise RunDirectoryError(f"run directory {directory}: only {free / 2**20:.1f} MB free on "
                                f"its filesystem (needs {min_free_bytes / 2**20:.0f} MB)")


def append_line(path: Path, line: str, sync: bool = False) -> None:
    """Append `line` and a newline whole: if the write fails part-way, the file is cut back to
    where it was, so no half line is ever left. `sync`: on disk before this returns."""
    data = memoryview((line + "\n").encode("utf-8"))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as error:
        raise _write_error(path, error) from error
    try:
        size = os.fstat(fd).st_size
        try:
            while data:
                data = data[os.write(fd, data):]
            if sync:
                os.fsync(fd)
        except OSError as error:
            os.ftruncate(fd, size)
            raise _write_error(path, error) from error
    finally:
        os.close(fd)


def write_text(path: Path, text: str) -> None:
    """Write a whole file (see `replace_file`)."""
    replace_file(path, text.encode("utf-8"))


def write_image(path: Path, image: np.ndarray) -> None:
    """cv2.imwrite reports a failed write only by returning False: this raises instead."""
    import cv2  # here, so the console scripts' early checks need no OpenCV

    ok, encoded = cv2.imencode(path.suffix, image)
    if not ok:
        raise _write_error(path, OSError(errno.EINVAL, "cannot encode the image"))
    replace_file(path, encoded.tobytes())


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` as a new file beside `path` and rename it into place: a reader never sees
    half of it, and what is at `path` (a link to a file elsewhere, say) is replaced, never
    written through. RunDirectoryError (and no new file) when it fails."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _write_error(path, error) from error


def _write_error(path: Path, error: OSError) -> RunDirectoryError:
    return RunDirectoryError(f"cannot write {path}: {error.strerror or error}")
