"""`safety.dry_run=true` is recorded as a dry run: the console, every trace line and the summary
say so, and nothing moved (the real console script, scripted planner, PyBullet DIRECT)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.test_cli_errors import STACKBOT

pytestmark = pytest.mark.sim

ONE_MOVE = ("planner=scripted", "perception=oracle",
            "+planner.goal=[{_target_:skills.goals.In,block:red block,bowl:blue bowl}]")


def run(tmp_path: Path, *args: str) -> tuple[str, list[dict], dict]:
    result = subprocess.run(
        [STACKBOT, "instruction=put the red block in the blue bowl", *ONE_MOVE, *args,
         "hydra.run.dir=run"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "run"
    lines = [json.loads(line) for line in (run_dir / "trace.jsonl").read_text().splitlines()]
    return result.stdout, lines, json.loads((run_dir / "summary.json").read_text())


def test_a_dry_run_is_recorded_as_one(tmp_path: Path) -> None:
    out, lines, summary = run(tmp_path, "safety.dry_run=true")
    assert "checked, not executed (dry run) [ok] open, approach, descend, grasp" in out
    assert "executed [ok]" not in out.replace("not executed (dry run) [ok]", "")
    assert "the arm did not move" in out
    assert [line["chosen"] for line in lines] == ["robot.pick_and_place(red block, blue bowl)",
                                                  "done()"]
    assert all(line["dry_run"] is True for line in lines)
    assert lines[0]["result"]["dry_run"] is True
    assert summary["dry_run"] is True and summary["moved"] is False


def test_a_real_run_is_recorded_as_motion(tmp_path: Path) -> None:
    out, lines, summary = run(tmp_path)
    assert "  executed [ok] open, approach, descend, grasp" in out
    assert all(line["dry_run"] is False for line in lines)
    assert summary["dry_run"] is False and summary["moved"] is True


def bench(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict, Path]:
    """One pick_place episode through the real stackbot-bench; its results line and its
    episode directory."""
    results = tmp_path / "r.jsonl"
    done = subprocess.run(
        [str(Path(STACKBOT).with_name("stackbot-bench")), "planner=scripted",
         "perception=oracle", "tasks=pick_place_v1", "episodes=1", f"results={results}",
         "progress=false", "episode_pictures=none", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (line,) = results.read_text().splitlines()
    record = json.loads(line)
    return done, record, results.parent / record["trace"]


def test_a_benchmark_dry_run_is_recorded_as_one_and_not_scored_as_a_failure(
        tmp_path: Path) -> None:
    """Issue 22: stackbot-bench's trace lines and summary.json said "dry_run": false and the
    episode counted as an execution failure."""
    done, record, episode = bench(tmp_path, "safety.dry_run=true")
    assert record["dry_run"] is True and record["plan_success"] is True
    assert record["execution_success"] is None and record["failure"] is None
    lines = [json.loads(line) for line in (episode / "trace.jsonl").read_text().splitlines()]
    assert lines and all(line["dry_run"] is True for line in lines)
    summary = json.loads((episode / "summary.json").read_text())
    assert summary["dry_run"] is True and summary["moved"] is False
    assert summary["benchmark_success"] is True  # the plan: all a dry run can check
    assert "execution success: not measured (a dry run: nothing moved)" in done.stdout
    assert "planned (dry run)" in (tmp_path / "r.html").read_text()


def test_a_benchmark_real_run_is_scored_on_the_table(tmp_path: Path) -> None:
    done, record, episode = bench(tmp_path)
    assert record["dry_run"] is False and record["execution_success"] is True
    summary = json.loads((episode / "summary.json").read_text())
    assert summary["dry_run"] is False and summary["moved"] is True
    assert "execution success: 100.0%" in done.stdout
