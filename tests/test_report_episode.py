"""The episode report (report.html in every run directory), opened in a real headless Chromium;
`stackbot-report` on bad input and on a run killed mid-episode."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser import Page
from tests.report_pages import SCREENSHOTS, STACKBOT_REPORT, assert_page_is_sound
from tests.test_cli_errors import STACKBOT

pytestmark = pytest.mark.sim

# The scripted planner with one goal; every carry slips, so the success check fails until the
# block happens to land in the bowl.
SLIPPING = ("planner=scripted", "perception=oracle", "max_steps=4", "faults=[slip]",
            "faults.slip.p=1.0",
            "+planner.goal=[{_target_:skills.goals.In,block:red block,bowl:blue bowl}]")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("episode")
    result = subprocess.run(
        [STACKBOT, "instruction=put the red block in the blue bowl", *SLIPPING,
         "hydra.run.dir=run"], cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return root / "run"


def trace_lines(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "trace.jsonl").read_text().splitlines()]


def failed_steps(lines: list[dict]) -> list[int]:
    return [line["step"] for line in lines if line["result"] is not None
            and not line["succeeded"]]


@pytest.mark.browser
def test_the_report_shows_every_step_and_marks_the_failed_ones(
        run_dir: Path, browser_page: Page) -> None:
    report = run_dir / "report.html"
    assert report.is_file()  # written by the run itself
    assert_page_is_sound(browser_page, report)
    lines = trace_lines(run_dir)
    failed = failed_steps(lines)
    assert failed, "the slipping fault should have failed a step"
    cards = browser_page.evaluate(
        "Array.from(document.querySelectorAll('article.step')).map(c => "
        "[Number(c.dataset.step), c.classList.contains('failed'), c.innerText])")
    assert [card[0] for card in cards] == [line["step"] for line in lines]
    assert [card[0] for card in cards if card[1]] == failed
    for step, _, text in cards:
        line = lines[step]
        assert "FAILED" in text if step in failed else "FAILED" not in text
        if step in failed:
            assert line["verdict"]["evidence"] in text
        for fault in line["faults"]:
            assert fault["detail"] in text
    outcome = browser_page.evaluate("document.getElementById('outcome').innerText")
    assert "put the red block in the blue bowl" in outcome
    links = browser_page.evaluate("Array.from(document.querySelectorAll("
                                  "'#outcome a[href^=\"#step-\"]')).map(a => a.hash)")
    assert links == [f"#step-{step}" for step in failed]  # each failed step, to its card
    first = browser_page.evaluate(
        "Array.from(document.querySelectorAll('article.step')[0].querySelectorAll('figure')"
        ").map(f => [f.querySelectorAll('img').length, f.querySelectorAll('svg text').length])")
    assert first == [[1, len(lines[0]["detections"])], [1, len(lines[1]["detections"])]]
    browser_page.screenshot(SCREENSHOTS / "episode-report.png", max_height=3200)


@pytest.mark.browser
def test_the_failed_steps_only_switch(run_dir: Path, browser_page: Page) -> None:
    browser_page.open(run_dir / "report.html")
    shown = ("Array.from(document.querySelectorAll('article.step'))"
             ".filter(c => !c.hidden).length")
    total = browser_page.evaluate(shown)
    browser_page.evaluate("document.getElementById('failed-only').click()")
    assert browser_page.evaluate(shown) == len(failed_steps(trace_lines(run_dir))) < total
    assert browser_page.errors() == []


def report_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STACKBOT_REPORT, *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stackbot-report: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.browser
def test_a_run_killed_mid_episode_gets_a_report_of_its_steps(
        run_dir: Path, tmp_path: Path, browser_page: Page) -> None:
    partial = tmp_path / "killed"
    shutil.copytree(run_dir, partial)
    (partial / "summary.json").unlink()
    (partial / "report.html").unlink()
    lines = (partial / "trace.jsonl").read_text().splitlines()
    (partial / "trace.jsonl").write_text("\n".join(lines[:2]) + "\n")
    result = report_cli(partial)
    assert result.returncode == 0, result.stderr
    assert_page_is_sound(browser_page, partial / "report.html")
    assert browser_page.evaluate("document.querySelectorAll('article.step').length") == 2
    assert "stopped mid-episode" in browser_page.evaluate("document.body.innerText")


def test_a_directory_that_is_not_a_run_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert_one_line_error(report_cli(tmp_path), str(tmp_path), "not a run directory")
    assert_one_line_error(report_cli(tmp_path / "missing"), "is not a directory")
    assert not (tmp_path / "report.html").exists()


def test_a_damaged_trace_line_is_named(run_dir: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(run_dir, damaged)
    trace = damaged / "trace.jsonl"
    lines = trace.read_text().splitlines()
    lines[1] = lines[1][: len(lines[1]) // 2]
    trace.write_text("\n".join(lines) + "\n")
    assert_one_line_error(report_cli(damaged), f"{trace}:2: damaged line")
    lines[1] = json.dumps({"step": 1, "chosen": "done()", "options": "none"})
    trace.write_text("\n".join(lines) + "\n")
    assert_one_line_error(report_cli(damaged), f"{trace}:2:", "'options'")


def _first_frame(run: Path) -> Path:
    return sorted((run / "frames").glob("step00_before_*.png"))[0]


def _edit_line(run: Path, edit) -> None:  # noqa: ANN001 - a function of one trace line
    trace = run / "trace.jsonl"
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    edit(lines[0])
    trace.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _edit_summary(run: Path, edit) -> None:  # noqa: ANN001 - a function of the summary
    summary = json.loads((run / "summary.json").read_text())
    edit(summary)
    (run / "summary.json").write_text(json.dumps(summary))


DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE = {
    "deep trace line": (lambda run: (run / "trace.jsonl").write_text(DEEP + "\n"),
                        "trace.jsonl:1: damaged line (nested too deep)"),
    "deep summary": (lambda run: (run / "summary.json").write_text(DEEP),
                     "summary.json: damaged (nested too deep)"),
    "string confidence": (lambda run: _edit_line(run, lambda line: line["detections"][0].update(
        confidence="high")), "trace.jsonl:1: damaged line ('detections'[0].confidence is "
                             "not a finite number)"),
    "singular camera": (lambda run: _edit_line(run, lambda line: line["camera"].update(
        camera_to_world=[[0.0] * 4] * 4)), "'camera'.camera_to_world is singular"),
    "summary seconds a list": (lambda run: _edit_summary(run, lambda s: s.update(seconds=[1])),
                               "summary.json: damaged ('seconds' is not a JSON object)"),
    "summary message a number": (lambda run: _edit_summary(run, lambda s: s.update(message=5)),
                                 "summary.json: damaged ('message' is not a string)"),
    "non-PNG frame": (lambda run: _first_frame(run).write_text("not a picture"),
                      "not a PNG file"),
    "trace symlink loop": (lambda run: ((run / "trace.jsonl").unlink(),
                                        (run / "trace.jsonl").symlink_to(run / "trace.jsonl")),
                           "trace.jsonl: cannot read: Too many levels of symbolic links"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_run_directory_is_one_line_and_no_report(run_dir: Path, tmp_path: Path,
                                                           name: str) -> None:
    """Issue 22: each of these was a traceback (RecursionError, ValueError, LinAlgError...) or,
    for the symlink loop, exit 0 and an empty report."""
    hostile = tmp_path / "hostile"
    shutil.copytree(run_dir, hostile)
    (hostile / "report.html").unlink()
    damage, needle = HOSTILE[name]
    damage(hostile)
    assert_one_line_error(report_cli(hostile), needle)
    assert not (hostile / "report.html").exists()


def test_a_report_html_linked_elsewhere_is_replaced_not_written_through(
        run_dir: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    shutil.copytree(run_dir, linked)
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("not yours to overwrite\n")
    (linked / "report.html").unlink()
    (linked / "report.html").symlink_to(elsewhere)
    result = report_cli(linked)
    assert result.returncode == 0, result.stderr
    assert elsewhere.read_text() == "not yours to overwrite\n"
    report = linked / "report.html"
    assert not report.is_symlink() and report.read_text().startswith("<!DOCTYPE html>")
    assert not list(linked.glob(".report.html.*"))  # no temporary file left behind


def test_a_results_file_nested_too_deep_is_named(tmp_path: Path) -> None:
    results = tmp_path / "deep.jsonl"
    results.write_text(DEEP + "\n")
    assert_one_line_error(report_cli(results), f"{results}:1: damaged line (nested too deep)")
    assert not (tmp_path / "deep.html").exists()
