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
