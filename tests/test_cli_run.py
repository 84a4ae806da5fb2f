"""The installed console script, run from an unrelated directory, records the whole episode."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from skills.refusal import REFUSAL_OPTIONS
from tests.test_cli_errors import STACKBOT

pytestmark = [pytest.mark.sim, pytest.mark.model]
DEMO_OPTIONS = 145 + len(REFUSAL_OPTIONS)  # the moves and done(), and the refusals (on by default)


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
    # the demo table (3 blocks, 2 bowls): each block to 4 objects, 9 locations and the places
    # (beside each object, line spots, where each block started), the refusals, then done()
    assert len(first["options"]) == DEMO_OPTIONS
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


def test_records_of_a_best_first_step_mark_bounds_and_agree_with_exhaustive(
        tmp_path: Path) -> None:
    """The same episode searched both ways: the same steps; the best-first records (trace line,
    llm_calls.jsonl, console, report) give exact scores where it scored (equal to exhaustive's)
    and upper bounds, marked as such, for the options it pruned, and how it searched."""
    runs = {}
    for search in ("best_first", "exhaustive"):
        result = subprocess.run(
            [STACKBOT, "instruction=put the red block in the blue bowl", f"planner.search={search}",
             f"hydra.run.dir={search}"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        lines = [json.loads(line) for line in
                 (tmp_path / search / "trace.jsonl").read_text().splitlines()]
        calls = [json.loads(line) for line in
                 (tmp_path / search / "llm_calls.jsonl").read_text().splitlines()]
        runs[search] = (result.stdout, lines, calls)
    out, lines, calls = runs["best_first"]
    full_lines = runs["exhaustive"][1]
    assert [line["chosen"] for line in lines] == [line["chosen"] for line in full_lines]
    first, full = lines[0], {o["text"]: o for o in full_lines[0]["options"]}
    search = first["search"]
    assert search["search"] == "best_first" and search["pruned"] > 0
    assert search["scored"] + search["pruned"] == len(first["options"]) == DEMO_OPTIONS
    assert 0 < search["tokens_decoded"] < full_lines[0]["search"]["tokens_decoded"]
    assert 0 < search["logits_rows"] < full_lines[0]["search"]["logits_rows"]
    assert 0 < search["scored_mass"] <= 1
    for option in first["options"]:
        exact = full[option["text"]]["llm_logprob"]
        if option["bound"]:
            assert option["llm_logprob"] >= exact - 1e-3
        else:
            assert abs(option["llm_logprob"] - exact) < 1e-3
    assert sum(o["bound"] for o in first["options"]) == search["pruned"]
    assert not next(o for o in first["options"] if o["text"] == first["chosen"])["bound"]
    assert dict(zip(calls[0]["options"], calls[0]["bounds"], strict=True)) == {
        o["text"]: o["bound"] for o in first["options"]}  # the call keeps the options' order
    assert calls[0]["search"] == search
    assert "best-first: " in out and f"{search['pruned']} pruned" in out and "<=" in out
    assert f"exhaustive: {DEMO_OPTIONS} options scored" in runs["exhaustive"][0]
    report = (tmp_path / "best_first" / "report.html").read_text()
    assert "Best-first search:" in report and "&le;" in report
