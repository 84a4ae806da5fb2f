"""The run directory on a full disk (a real tmpfs): found before the arm moves, and a write that
fails mid-episode stops it before the next motion with trace.jsonl still valid JSON lines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from records.run_dir import RunDirectoryError, append_line, check_writable
from tests.filesystems import tiny_filesystem
from tests.test_cli_errors import STACKBOT, assert_one_line_error

TWO_MOVES = ("+planner.goal=[{_target_:skills.goals.In,block:red block,bowl:blue bowl},"
             "{_target_:skills.goals.In,block:green block,bowl:gray bowl}]")
SCRIPTED = ("planner=scripted", TWO_MOVES, "perception=oracle")


def fill(directory: Path, leave: int) -> None:
    """Fill the filesystem of `directory` until about `leave` bytes are free."""
    import os

    stats = os.statvfs(directory)
    free = stats.f_bavail * stats.f_frsize
    (directory / "filler").write_bytes(b"x" * max(0, free - leave))


def test_a_line_that_does_not_fit_leaves_no_half_line(tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "disk", "64k") as disk:
        trace = disk / "trace.jsonl"
        append_line(trace, json.dumps({"step": 0}))
        fill(disk, 8192)
        with pytest.raises(RunDirectoryError, match="cannot write .*trace.jsonl: No space left"):
            append_line(trace, json.dumps({"step": 1, "padding": "x" * 40_000}))
        assert trace.read_text() == '{"step": 0}\n'


def test_a_full_filesystem_is_refused_before_anything(tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "disk", "64k") as disk:
        with pytest.raises(RunDirectoryError, match=r"only 0\.1 MB free .*\(needs 32 MB\)"):
            check_writable(disk / "outputs" / "run", 32 * 2**20)
        check_writable(disk / "outputs" / "run", 0)
        assert list(disk.iterdir()) == []  # the check leaves nothing behind


def test_the_console_script_refuses_a_full_run_directory_before_the_arm_moves(
        tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "disk", "64k") as disk:
        result = subprocess.run(
            [STACKBOT, "instruction=put the red block in the blue bowl", *SCRIPTED,
             f"hydra.run.dir={disk / 'run'}"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert_one_line_error(result, f"run directory {disk / 'run'}", "MB free", "needs 32 MB")
        assert "executed" not in result.stdout
        assert list(disk.iterdir()) == []


@pytest.mark.sim
@pytest.mark.parametrize("size", ["32k", "64k"])
def test_a_write_that_fails_mid_episode_stops_it_before_the_next_motion(
        tmp_path: Path, size: str) -> None:
    """Two moves planned; step 1's record (a trace line of ~20 kB and four frames) cannot fit:
    the episode ends there, one line on stderr, and the trace holds only whole lines."""
    with tiny_filesystem(tmp_path / "disk", size) as disk:
        run = disk / "run"
        result = subprocess.run(
            [STACKBOT, "instruction=put the red block in the blue bowl and the green block in "
             "the gray bowl", *SCRIPTED, f"hydra.run.dir={run}", "min_free_mb=0"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert_one_line_error(result, "cannot write", "No space left on device",
                              "the episode stopped before the next motion")
        assert result.stdout.count("executed [ok]") == 1, result.stdout
        assert "step 2:" not in result.stdout
        trace = run / "trace.jsonl"
        lines = trace.read_text().splitlines() if trace.exists() else []
        assert [json.loads(line)["step"] for line in lines] in ([], [0])


@pytest.mark.sim
def test_a_benchmark_whose_disk_fills_says_so_in_one_line(tmp_path: Path) -> None:
    """Issue 22: the results line that did not fit was a 29-line traceback and exit 1. The
    episode runs (its run directory is elsewhere), its results line does not fit on the full
    disk: one line, exit 2, and the results file holds no half line."""
    bench = str(Path(STACKBOT).with_name("stackbot-bench"))
    with tiny_filesystem(tmp_path / "disk", "64k") as disk:
        results = disk / "r.jsonl"
        fill(disk, 0)
        result = subprocess.run(
            [bench, "planner=scripted", "perception=oracle", "tasks=pick_place_v1",
             "episodes=1", f"results={results}", "progress=false", "min_free_mb=0",
             "hydra.run.dir=run"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert result.returncode == 2, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines == [f"stackbot-bench: error: cannot write {results}: No space left on "
                         "device"], result.stderr
        text = results.read_text() if results.exists() else ""
        assert all(json.loads(line) for line in text.splitlines())
