"""The episode report: `report.html` in a run directory, one self-contained page showing the
instruction and the outcome, then each step as a card (records.report.step_card), then every
model call. A partial run (killed mid-episode: no summary.json) shows the steps it recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from records.report.assets import STEPS_SCRIPT
from records.report.frames import frame_figure, picture_figure
from records.report.html import badge, details, esc, page, pre, seconds
from records.report.run_data import RunData, load_run
from records.report.step_card import failure_text, step_card, step_failed
from records.run_dir import REPORT_FILE, write_text


def write_episode_report(directory: str | Path) -> Path:
    """Write `report.html` into a run directory; ReportInputError when it is not one (or a file
    in it is damaged), RunDirectoryError when the report cannot be written."""
    run = load_run(directory)
    path = run.directory / REPORT_FILE
    write_text(path, episode_html(run))
    return path


def outcome(run: RunData) -> tuple[str, str]:
    """The headline badge: its text and kind."""
    summary = run.summary
    if summary is None:
        return "incomplete: the run stopped mid-episode", "warn"
    if summary.get("interrupted"):
        return "interrupted", "warn"
    if "benchmark_success" in summary:
        return ("task succeeded", "ok") if summary["benchmark_success"] else ("task failed",
                                                                              "fail")
    if not summary.get("finished"):
        return "stopped", "fail"
    if any(step_failed(line) for line in run.steps):
        return "finished after failed steps", "warn"
    return "finished", "ok"


def failure_reasons(run: RunData) -> list[str]:
    """HTML lines: why the episode did not simply succeed (each failed step links to its card)."""
    reasons = []
    summary = run.summary
    if summary is None:
        reasons.append(f"No summary.json: the run ended before the episode did (killed?); "
                       f"{len(run.steps)} recorded steps are shown.")
    elif not summary.get("finished") or summary.get("benchmark_success") is False:
        reasons.append(esc(summary.get("message", "")))
    for line in run.steps:
        if step_failed(line):
            index = int(line["step"])
            reasons.append(f'<a href="#step-{index}">step {index + 1}</a> '
                           f'<span class="mono">{esc(line["chosen"])}</span>: '
                           f"{esc(failure_text(line))}")
    return reasons


def _facts(run: RunData) -> list[tuple[str, str]]:
    summary = run.summary or {}
    executed = [line for line in run.steps if line.get("result") is not None]
    failed = sum(step_failed(line) for line in run.steps)
    facts = [("instruction", esc(run.instruction or "(not recorded)")),
             ("outcome", esc(summary.get("message", "(no summary)"))),
             ("steps", f"{len(run.steps)} planned, {len(executed)} executed, {failed} failed")]
    task = summary.get("task")
    if isinstance(task, dict):
        facts.append(("task", esc(f"{task.get('family', '?')} seed {task.get('seed', '?')}: "
                                  f"{task.get('goal', '')}")))
    fired = [f for line in run.steps for f in line.get("faults") or []]
    if fired:
        facts.append(("injected faults", esc(", ".join(f"{f.get('fault')} (step "
                                                       f"{int(f.get('step', 0)) + 1})"
                                                       for f in fired))))
    times = summary.get("seconds") or {}
    if times:
        facts.append(("time", ", ".join(f"{k} {seconds(v)}" for k, v in times.items())))
    if summary.get("dry_run") or any(line.get("dry_run") for line in run.steps):
        facts.append(("dry run", "motions were checked, none was sent"))
    if run.calls:
        facts.append(("model", esc(run.calls[0].get("model", ""))))
    facts.append(("run directory", f'<span class="mono">{esc(run.directory)}</span>'))
    return facts


def header(run: RunData) -> str:
    text, kind = outcome(run)
    reasons = failure_reasons(run)
    failed = kind in ("fail", "warn")
    reason_html = "".join(f'<div class="reason{"" if kind == "fail" else " warn"}">{r}</div>'
                          for r in reasons)
    facts = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in _facts(run))
    final = ""
    if run.final_frame is not None and run.steps:
        final = frame_figure(run.final_frame, "the table at the end",
                             (run.summary or {}).get("final_detections"),
                             run.steps[-1].get("camera"))
        final = f'<div style="max-width:420px;margin-top:10px">{final}</div>'
    elif run.episode_picture is not None and not any(run.frame(int(s["step"]), "before")
                                                     for s in run.steps):
        final = picture_figure(run.episode_picture, "the episode's frames (frames/episode.png)")
    return (f'<section class="summary{" failed" if failed else ""}" id="outcome">'
            f"<h1>&ldquo;{esc(run.instruction or '(instruction not recorded)')}&rdquo; "
            f"{badge(text, kind)}</h1>{reason_html}<dl>{facts}</dl>{final}</section>")


def matched_calls(run: RunData) -> list[dict[str, Any] | None]:
    """Each step's model call: the planner makes one per step, in order (a call that chose
    something else than the step is not taken for it)."""
    calls: list[dict[str, Any] | None] = []
    for position, line in enumerate(run.steps):
        call = run.calls[position] if position < len(run.calls) else None
        calls.append(call if call is not None and call.get("chosen") == line["chosen"] else None)
    return calls


def calls_section(run: RunData) -> str:
    if not run.calls:
        return ('<h2>Model calls</h2><p class="muted">No model call was recorded (a scripted '
                "planner, or the run stopped before any).</p>")
    items = []
    for number, call in enumerate(run.calls, 1):
        rest = {k: v for k, v in call.items() if k != "prompt"}
        items.append(details(
            f"call {number}: chose <span class=\"mono\">{esc(call.get('chosen', '?'))}</span> "
            f"({seconds(call.get('seconds'))})",
            "<b>prompt</b>" + pre(str(call.get("prompt", ""))) + "<b>everything else</b>"
            + pre(json.dumps(rest, indent=1))))
    return f"<h2>Model calls ({len(run.calls)})</h2>" + "".join(items)


def episode_html(run: RunData) -> str:
    cards = [step_card(line, run.frame(int(line["step"]), "before"),
                       run.frame(int(line["step"]), "after"), run.detections_after(position),
                       call)
             for position, (line, call) in enumerate(zip(run.steps, matched_calls(run),
                                                         strict=True))]
    failed = sum(step_failed(line) for line in run.steps)
    toggle = (f'<label class="controls"><input type="checkbox" id="failed-only"> show the '
              f"{failed} failed step{'s' if failed != 1 else ''} only</label>" if failed else "")
    steps = (f"<h2>Steps ({len(run.steps)})</h2>{toggle}" + "".join(cards) if cards
             else '<h2>Steps</h2><p class="muted">No step was recorded.</p>')
    body = header(run) + steps + calls_section(run)
    return page(f"stackbot: {run.instruction}", body, STEPS_SCRIPT)
