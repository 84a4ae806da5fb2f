"""Wilson intervals, the per-family table, the comparison table and the chart (pure, no sim)."""

from __future__ import annotations

from pathlib import Path

import pytest

from records.bench_stats import bar_chart, by_family, markdown_table, summary_lines, wilson
from records.results import ResultsFile
from sim.tasks.registry import generate
from tools.bench.compare import comparison_table, load_series


@pytest.mark.parametrize(("hits", "n", "low", "high"), [
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (1, 3, 0.0615, 0.7923),
])
def test_wilson_interval(hits: int, n: int, low: float, high: float) -> None:
    got = wilson(hits, n)
    assert got == pytest.approx((low, high), abs=1e-3)


def record(family: str, seed: int, plan: bool, execution: bool, label: str = "x") -> dict:
    return {"key": f"{family}/{seed}", "family": family, "seed": seed, "label": label,
            "plan_success": plan, "execution_success": execution, "n_steps": 2,
            "llm_calls": 2, "option_tokens": 100, "traceback": None,
            "seconds": {"plan": 1.0, "execute": 0.5, "perceive": 0.2, "total": 1.7}}


def test_tables_summary_and_chart(tmp_path: Path) -> None:
    records = [record("pick_place_v1", 0, True, True), record("pick_place_v1", 1, True, False),
               record("infeasible_v1", 0, False, False)]
    rows = by_family(records)
    assert [r.family for r in rows] == ["pick_place_v1", "infeasible_v1", "all"]
    table = markdown_table(rows)
    assert "| pick_place_v1 | 2 | 100% [34, 100] | 50% [9, 91] |" in table
    assert summary_lines(records)[1:] == ["plan success: 66.7%", "execution success: 33.3%"]
    results = ResultsFile(tmp_path / "a.jsonl")
    for r in records:
        results.append(r)
    series = load_series([results.path])
    assert "| x | 3 | 50 / 100 | 0 / 0 |" in comparison_table(series)
    chart = bar_chart(series, tmp_path / "chart.png")
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_results_lines_with_the_old_task_id_key_still_resume(tmp_path: Path) -> None:
    """Older results lines also hold `task_id` (always equal to `family`): they are read by key
    as before, so a resumed run skips them, and they report by family."""
    results = ResultsFile(tmp_path / "old.jsonl")
    old = record("pick_place_v1", 0, True, True) | {"task_id": "pick_place_v1"}
    results.append(old)
    recorded = results.load()
    assert generate("pick_place_v1", 0).key in recorded
    assert [r.family for r in by_family(list(recorded.values()))] == ["pick_place_v1", "all"]


def test_the_report_page_shows_code_as_policies_table_for_its_families(tmp_path: Path) -> None:
    from records.report.bench_page import Configuration, write_bench_report

    records = [record("cap_pick_nth_seen_v1", s, True, s < 3) for s in range(4)]
    records += [record("cap_line_unseen_v1", 0, True, True)]
    results = ResultsFile(tmp_path / "cap.jsonl")
    for r in records:
        results.append(r)
    page = write_bench_report([Configuration("x", results.path, tuple(records))],
                              tmp_path / "cap.html").read_text()
    assert "Code as Policies&#x27; table" in page or "Code as Policies' table" in page
    assert "spatial-geometric" in page and "89.3%" in page and "75.0%" in page
    assert "unseen instruction: line" in page
    core = [record("pick_place_v1", 0, True, True)]
    plain = write_bench_report([Configuration("y", results.path, tuple(core))],
                               tmp_path / "core.html").read_text()
    assert "Code as Policies" not in plain
