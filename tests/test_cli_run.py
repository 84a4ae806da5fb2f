"""The installed console script, run from an unrelated directory, records the whole episode."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.test_cli_errors import STACKBOT

pytestmark = [pytest.mark.sim, pytest.mark.model]


def test_cli_episode_writes_the_run_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [STACKBOT, "instruction=put the red block in the blue bowl", "hydra.run.dir=run"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> robot.pick_and_place(red block, blue bowl)" in out
    assert "executed [ok] open, approach, descend, grasp" in out
    assert "outcome: the planner chose done() after 1 executed step(s)" in out

    run = tmp_path / "run"
    assert (run / ".hydra" / "config.yaml").read_text().count("instruction: put the red block") == 1
    lines = [json.loads(line) for line in (run / "trace.jsonl").read_text().splitlines()]
    assert [line["chosen"] for line in lines] == [
        "robot.pick_and_place(red block, blue bowl)", "done()"]
    first = lines[0]
    assert first["scene"].startswith("objects = [red block")
    assert len(first["options"]) == 40
    for option in first["options"]:
        assert {"llm_logprob", "n_tokens", "affordance", "combined"} <= option.keys()
    assert [p["phase"] for p in first["result"]["primitives"]][:4] == [
        "open", "approach", "descend", "grasp"]
    assert first["result"]["success"] is True
    calls = (run / "llm_calls.jsonl").read_text().splitlines()
    assert len(calls) == 2
    assert "# put the red block in the blue bowl." in json.loads(calls[0])["prompt"]
    frames = {p.name for p in (run / "frames").iterdir()}
    assert {"step00_before_top.png", "step00_after_top.png", "episode.png"} <= frames
    summary = json.loads((run / "summary.json").read_text())
    assert summary["finished"] and summary["moved"]
