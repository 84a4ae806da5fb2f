"""The benchmark report's calibration section, from a real benchmark run of the embedded model
(PyBullet DIRECT), opened in a real headless Chromium: the reliability table holds every step the
model chose, and its expected calibration error is the results file's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from records.calibration import reliability, results_pairs
from tests.browser import Page
from tests.report_pages import assert_page_is_sound
from tools.bench.benchmark import run_benchmark

pytestmark = [pytest.mark.sim, pytest.mark.model, pytest.mark.browser]


def test_the_report_shows_the_reliability_table_and_the_ece(tmp_path: Path,
                                                           browser_page: Page) -> None:
    results = tmp_path / "calibrated.jsonl"
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=[
            "perception=oracle", "label=calibrated", "progress=false", f"results={results}",
            "tasks=[pick_place_v1,out_of_scope_v1]", "episodes=1", "max_steps=3"])
    run_benchmark(cfg)
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert all(r["status"] in ("done", "refused", "unsure", "step_limit") for r in records)
    table = reliability(results_pairs(records))
    assert table.steps == sum(r["llm_calls"] for r in records) > 0

    assert_page_is_sound(browser_page, results.with_suffix(".html"))
    rows = browser_page.evaluate("Array.from(document.querySelectorAll('table.reliability tbody"
                                 " tr')).map(r => Array.from(r.cells).map(c => c.innerText))")
    assert sum(int(row[1]) for row in rows) == table.steps
    assert sum(int(row[2]) for row in rows) == table.right
    ece = browser_page.evaluate("document.querySelector('#calibration ~ p .ece').innerText")
    assert ece == f"{table.ece:.3f}"
    assert "calibration error" in (results.with_suffix(".md")).read_text()
    assert browser_page.errors() == []
