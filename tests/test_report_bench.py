"""The benchmark report (`<label>.html` beside the results, and tools.bench.compare's), opened
in a real headless Chromium: the table sorts and filters, every episode links to its report."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from hydra import compose, initialize_config_module

from tests.browser import Page
from tests.report_pages import SCREENSHOTS, assert_page_is_sound
from tools.bench import compare
from tools.bench.benchmark import run_benchmark

pytestmark = [pytest.mark.sim, pytest.mark.browser]

# pick_place needs one move and done(), stack_order one move per block above the bottom one and
# done(): with two steps a stack of three stops at the step limit (plan failed).
SUITE = ("tasks=[pick_place_v1,stack_order_v1]", "episodes=2", "max_steps=2")
EPISODES_ROWS = "Array.from(document.querySelectorAll('#episodes tbody tr'))"


def bench(directory: Path, label: str, *overrides: str) -> Path:
    results = directory / f"{label}.jsonl"
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=[
            "planner=scripted", "perception=oracle", f"label={label}", "progress=false",
            f"results={results}", *SUITE, *overrides])
    run_benchmark(cfg)
    return results


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bench(tmp_path_factory.mktemp("bench"), "steps2")


def column(page: Page, name: str) -> list[str]:
    index = page.evaluate("Array.from(document.querySelectorAll('#episodes thead th'))"
                          f".map(h => h.textContent).indexOf({json.dumps(name)})")
    assert index >= 0, name
    return page.evaluate(f"{EPISODES_ROWS}.filter(r => !r.hidden)"
                         f".map(r => r.cells[{index}].textContent.trim())")


def sort_by(page: Page, name: str) -> None:
    page.evaluate("Array.from(document.querySelectorAll('#episodes thead th'))"
                  f".find(h => h.textContent === {json.dumps(name)}).click()")


def set_filter(page: Page, selector: str, value: str) -> None:
    page.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                  f"e.value = {json.dumps(value)}; "
                  "e.dispatchEvent(new Event('input', {bubbles: true})); })()")


def test_the_benchmark_report_sorts_filters_and_links(results: Path, browser_page: Page) -> None:
    page_path = results.with_suffix(".html")
    assert_page_is_sound(browser_page, page_path)
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(column(browser_page, "episode")) == len(records) == 4
    assert browser_page.evaluate("document.images.length") == 1  # the chart
    families = browser_page.evaluate("document.querySelector('table.families').innerText")
    assert "pick_place_v1" in families and "[" in families  # rates with their intervals

    sort_by(browser_page, "seconds")
    seconds = [float(s) for s in column(browser_page, "seconds")]
    assert seconds == sorted(seconds)
    sort_by(browser_page, "seconds")
    assert [float(s) for s in column(browser_page, "seconds")] == sorted(seconds, reverse=True)
    outcomes = ["success" if r["plan_success"] else "plan failed" for r in records]
    assert all(r["execution_success"] for r in records) and "plan failed" in outcomes
    sort_by(browser_page, "outcome")
    assert column(browser_page, "outcome") == sorted(outcomes)

    set_filter(browser_page, "select[data-column='3']", "plan failed")
    assert column(browser_page, "episode") == [
        r["key"] for r in records if not r["plan_success"]]
    assert all("step limit" in reason for reason in column(browser_page, "failure reason"))
    set_filter(browser_page, "select[data-column='3']", "")
    key = records[1]["key"]
    set_filter(browser_page, "input[type=search]", key)
    assert column(browser_page, "episode") == [key]
    set_filter(browser_page, "input[type=search]", "")
    assert len(column(browser_page, "episode")) == 4
    assert browser_page.errors() == []
    browser_page.screenshot(SCREENSHOTS / "bench-report.png")

    links = browser_page.evaluate(f"{EPISODES_ROWS}.map(r => r.querySelector('a').href)")
    assert len(links) == 4
    for link in links:
        report = Path(unquote(urlparse(link).path))
        assert report.name == "report.html" and report.is_file()
        assert_page_is_sound(browser_page, report)
        trace = [json.loads(line) for line in
                 (report.parent / "trace.jsonl").read_text().splitlines()]
        assert browser_page.evaluate("document.querySelectorAll('article.step').length") == \
            len(trace)
        record = next(r for r in records if r["trace"] == report.parent.relative_to(
            results.parent).as_posix())
        moves = sum(line["result"] is not None for line in trace)
        # frames only for the failed episodes (episode_pictures=failures): before and after
        assert browser_page.evaluate("document.images.length") == (
            0 if record["plan_success"] else 2 * moves)


def test_the_comparison_report_puts_configurations_side_by_side(
        results: Path, tmp_path: Path, browser_page: Page) -> None:
    other = bench(results.parent, "steps3", "max_steps=3")
    out = tmp_path / "compared" / "planners"
    compare.main([str(results), str(other), "--out", str(out)])
    page_path = out.with_suffix(".html")
    assert_page_is_sound(browser_page, page_path)
    assert column(browser_page, "configuration").count("steps3") == 4
    set_filter(browser_page, "select[data-column='0']", "steps3")
    assert column(browser_page, "outcome") == ["success"] * 4
    heads = browser_page.evaluate("document.querySelector('table.families thead').innerText")
    assert "steps2" in heads and "steps3" in heads
    links = browser_page.evaluate(f"{EPISODES_ROWS}.map(r => r.querySelector('a').href)")
    assert all(Path(unquote(urlparse(link).path)).is_file() for link in links)
    browser_page.screenshot(SCREENSHOTS / "compare-report.png")
