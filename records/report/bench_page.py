"""The benchmark report: `<label>.html` beside the results (stackbot-bench), or one page for
several configurations (tools.bench.compare): the per-family success rates with 95% Wilson
intervals, the chart, and every episode in a table that sorts and filters, each linking to its
episode report (written here when its run directory has none yet)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from records.bench_stats import FamilyStats, bar_chart, by_family, registry_order, wilson
from records.calibration import reliability, results_pairs
from records.cap_table import CapRow, cap_label, cap_rows
from records.report.assets import TABLE_SCRIPT
from records.report.episode_page import write_episode_report
from records.report.frames import picture_figure
from records.report.html import esc, page, rate_bar
from records.report.run_data import ReportInputError, is_run_directory
from records.results import ResultsFile
from records.run_dir import REPORT_FILE, SUMMARY_FILE, TRACE_FILE, RunDirectoryError, write_text

log = logging.getLogger(__name__)

OUTCOMES = ("success", "refused", "unsure", "planned (dry run)", "plan failed",
            "execution failed", "error")


@dataclass(frozen=True)
class Configuration:
    """One benchmark configuration: its label, its results file (episode directories are
    relative to the file's folder) and its results lines."""

    label: str
    results: Path
    records: tuple[dict[str, Any], ...]

    @property
    def families(self) -> list[FamilyStats]:
        return by_family(self.records)


def load_configuration(results: str | Path) -> Configuration | None:
    """The results file's episodes in the task registry's order; None when it holds none."""
    try:
        loaded = ResultsFile(results).load(strict=True)
    except ValueError as error:
        raise ReportInputError(str(error)) from None
    records = sorted(loaded.values(), key=registry_order)
    if not records:
        return None
    return Configuration(str(records[0].get("label") or Path(results).stem), Path(results),
                         tuple(records))


def outcome(record: dict[str, Any]) -> str:
    """How the episode went; a refusal and an unsure ending are outcomes of their own (a refusal
    may be the success of a command no skill can carry out: the success columns say)."""
    if record.get("traceback"):
        return "error"
    if record.get("status") in ("refused", "unsure"):
        return str(record["status"])
    if record.get("execution_success") is None:  # a dry run: nothing moved
        return "planned (dry run)" if record.get("plan_success") else "plan failed"
    if not record.get("execution_success"):
        return "execution failed"
    return "success" if record.get("plan_success") else "plan failed"


def episode_report(configuration: Configuration, record: dict[str, Any]) -> Path | None:
    """The episode's report.html, written when missing or older than its records."""
    if not record.get("trace"):
        return None
    directory = configuration.results.parent / str(record["trace"])
    if not is_run_directory(directory):
        return None
    report = directory / REPORT_FILE
    newest = max((directory / name).stat().st_mtime for name in (TRACE_FILE, SUMMARY_FILE)
                 if (directory / name).is_file())
    if report.is_file() and report.stat().st_mtime >= newest:
        return report
    try:
        return write_episode_report(directory)
    except (ReportInputError, RunDirectoryError) as error:
        log.warning("episode %s: no report: %s", record.get("key"), error)
        return None


def _rate_cell(successes: int, n: int) -> str:
    low, high = wilson(successes, n)
    rate = successes / n if n else 0.0
    return (f'<td class="rate" data-value="{rate:.4f}">{rate_bar(rate, low, high)} '
            f'{100 * rate:.0f}% <span class="muted">[{100 * low:.0f}, {100 * high:.0f}]</span>'
            "</td>")


def family_table(configurations: Sequence[Configuration]) -> str:
    """One row per family (then `all`); per configuration its episodes, execution and plan
    success with 95% Wilson intervals, mean steps and seconds."""
    stats = [{row.family: row for row in c.families} for c in configurations]
    families = list(dict.fromkeys(f for rows in stats for f in rows))
    many = len(configurations) > 1
    head = "<th>family</th>" + "".join(
        (f'<th colspan="5">{esc(c.label)}</th>' if many else "") for c in configurations)
    per_configuration = ('<th class="num">n</th><th>execution success [95% CI]</th>'
                         '<th>plan success [95% CI]</th><th class="num">steps</th>'
                         '<th class="num">s</th>')
    sub = "<th></th>" + per_configuration * len(configurations)
    rows = []
    for family in families:
        name = f"<b>{esc(family)}</b>" if family == "all" else esc(family)
        cells = [f"<td>{name}</td>"]
        for rows_of in stats:
            row = rows_of.get(family)
            if row is None:
                cells.append('<td colspan="5" class="muted">–</td>')
                continue
            cells += [f'<td class="num">{row.episodes}</td>',
                      _rate_cell(row.execution_successes, row.executed),
                      _rate_cell(row.plan_successes, row.episodes),
                      f'<td class="num">{row.mean_steps:.1f}</td>',
                      f'<td class="num">{row.mean_seconds["total"]:.1f}</td>']
        rows.append("<tr>" + "".join(cells) + "</tr>")
    heads = (f"<tr>{head}</tr>" if many else "") + f"<tr>{sub}</tr>"
    return (f'<div class="wide"><table class="families"><thead>{heads}</thead><tbody>'
            f'{"".join(rows)}</tbody></table></div><p class="muted">Execution success: the '
            "goal holds on the simulator's "
            "ground truth at the end; plan success: the planned calls achieve it symbolically "
            "and the plan ended with done(). Bars: the rate, the line under it its 95% Wilson "
            "interval; steps and seconds are means per episode.</p>")


def cap_table(rows: Sequence[CapRow], label: str = "") -> str:
    """The rows as an HTML table for the benchmark page ("" without rows)."""
    if not rows:
        return ""
    body = []
    for row in rows:
        low, high = wilson(row.successes, row.n)
        reported = "–" if row.reported is None else f"{100 * row.reported:.1f}%"
        body.append(f"<tr><td>{esc(cap_label(row))}</td><td>{esc(row.attributes)}</td>"
                    f'<td class="num">{100 * row.rate:.1f}% <span class="muted">'
                    f"[{100 * low:.0f}, {100 * high:.0f}]</span></td>"
                    f'<td class="num">{row.n}</td><td class="num">{row.refused}, {row.unsure}'
                    f'</td><td class="num">{reported}</td></tr>')
    head = ("<tr><th>Code as Policies' kinds</th><th>attributes</th><th>stackbot success "
            "[95% CI]</th><th class=\"num\">n</th><th class=\"num\">refused, unsure</th>"
            "<th>Code as Policies</th></tr>")
    title = "Code as Policies' table" + (f": {esc(label)}" if label else "")
    return (f'<h2>{title}</h2><table class="families"><thead>{head}'
            f"</thead><tbody>{''.join(body)}</tbody></table><p class=\"muted\">Execution "
            "success on the simulator's ground truth; Code as Policies' figures are the paper's "
            "(table III, a 175B code model), on its own simulator. Refused, unsure: the "
            "episodes the planner declined or stopped on a guess instead of acting.</p>")


def _select(column: int, label: str, values: Sequence[str]) -> str:
    options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
    return (f'<label>{esc(label)} <select data-column="{column}"><option value="">all</option>'
            f"{options}</select></label>")


def episodes_table(configurations: Sequence[Configuration], out: Path) -> str:
    many = len(configurations) > 1
    columns = (["configuration"] if many else []) + [
        "episode", "family", "seed", "outcome", "steps", "seconds", "failure reason", "faults"]
    rows = []
    for configuration in configurations:
        for record in configuration.records:
            report = episode_report(configuration, record)
            key = esc(record.get("key", "?"))
            link = (f'<a href="{esc(Path(os.path.relpath(report, out.parent)).as_posix())}">'
                    f"{key}</a>" if report is not None else key)
            result = outcome(record)
            total = (record.get("seconds") or {}).get("total")
            faults = record.get("faults") or []
            cells = ([f"<td>{esc(configuration.label)}</td>"] if many else []) + [
                f"<td class=\"mono\">{link}</td>", f"<td>{esc(record.get('family', ''))}</td>",
                f"<td class=\"num\">{esc(record.get('seed', ''))}</td>",
                f'<td class="outcome">{esc(result)}</td>',
                f"<td class=\"num\">{int(record.get('n_steps', 0))}</td>",
                f'<td class="num" data-value="{total if total is not None else -1}">'
                f"{'' if total is None else f'{total:.1f}'}</td>",
                f"<td>{esc(record.get('failure') or '')}</td>",
                f"<td>{esc(', '.join(f.get('fault', '?') for f in faults))}</td>"]
            rows.append(f'<tr class="outcome-{result.replace(" ", "-")}">{"".join(cells)}</tr>')
    offset = 1 if many else 0
    families = sorted({str(r.get("family", "")) for c in configurations for r in c.records})
    controls = (
        '<div class="controls" data-filters="episodes">'
        '<label>filter <input type="search" placeholder="any text: a key, a reason…">'
        "</label>"
        + (_select(0, "configuration", [c.label for c in configurations]) if many else "")
        + _select(offset + 1, "family", families) + _select(offset + 3, "outcome", OUTCOMES)
        + '<span class="muted">showing <span class="shown"></span> episodes; click a column '
        "to sort</span></div>")
    head = "".join(f'<th{" class=num" if c in ("seed", "steps", "seconds") else ""}>{c}</th>'
                   for c in columns)
    return (controls + f'<table class="sortable" id="episodes"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def calibration_section(configurations: Sequence[Configuration]) -> str:
    """Per configuration, the reliability table of the model's chosen options (p_LLM in bins
    against the fraction right, per step) and the expected calibration error; "" without steps
    a model chose (a scripted planner)."""
    parts = []
    for c in configurations:
        table = reliability(results_pairs(c.records))
        if not table.steps:
            continue
        rows = "".join(
            f'<tr><td>{b.low:.1f}–{b.high:.1f}</td><td class="num">{b.steps}</td>'
            f'<td class="num">{b.right}</td><td class="num">{b.fraction_right:.2f}</td>'
            f'<td class="num">{b.mean_p:.2f}</td></tr>' for b in table.bins if b.steps)
        parts.append(
            f'<h3>{esc(c.label)}</h3><p>expected calibration error <b class="ece">'
            f"{table.ece:.3f}</b> over {table.steps} steps ({table.right} right)</p>"
            '<table class="reliability"><thead><tr><th>p of the chosen option</th>'
            '<th class="num">steps</th><th class="num">right</th>'
            '<th class="num">fraction right</th><th class="num">mean p</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")
    if not parts:
        return ""
    return ('<h2 id="calibration">Calibration</h2><p class="muted">Each step a language model '
            "chose: its p<sub>LLM</sub> (softmax over the options; after a best-first search a "
            "lower bound) against whether the step was right, judged against the task's goal "
            "(a move the goal still asks for, done() once it is met, a refusal for a command no "
            "skill can carry out), not the episode's success. A calibrated planner's fraction "
            "right equals its mean p in every bin; the expected calibration error is the "
            "bins' gap weighted by their steps.</p>" + "".join(parts))


def bench_html(configurations: Sequence[Configuration], out: Path, chart: Path | None) -> str:
    labels = [c.label for c in configurations]
    title = labels[0] if len(labels) == 1 else "comparison: " + ", ".join(labels)
    lines = []
    for c in configurations:
        n = len(c.records)
        hits = sum(bool(r.get("execution_success")) for r in c.records)
        executed = sum(r.get("execution_success") is not None for r in c.records)
        plans = sum(bool(r.get("plan_success")) for r in c.records)
        low, high = wilson(hits, executed)
        measured = (f"<b>{100 * hits / max(executed, 1):.1f}%</b> [{100 * low:.0f}, "
                    f"{100 * high:.0f}]" if executed else "not measured (a dry run)")
        lines.append(f"<dt>{esc(c.label)}</dt><dd>{n} episodes: execution success {measured}, "
                     f"plan success {100 * plans / max(n, 1):.1f}% "
                     f'<span class="muted mono">({esc(os.path.relpath(c.results, out.parent))})'
                     "</span></dd>")
    failed = sum(not (outcome(r) == "success" or outcome(r) == "refused" and r["plan_success"]
                      and r.get("execution_success")) for c in configurations for r in c.records)
    episodes = sum(len(c.records) for c in configurations)
    figure = "" if chart is None or not chart.is_file() else "<h2>Chart</h2>" + picture_figure(
        chart, "execution success per family, with 95% Wilson intervals")
    body = (f'<section class="summary" id="overview"><h1>stackbot benchmark: {esc(title)}</h1>'
            f"<dl>{''.join(lines)}</dl><p class=\"muted\">{failed} of {episodes} episodes did "
            "not succeed; each episode's link opens its report.</p></section>"
            f"<h2>Per family</h2>{family_table(configurations)}"
            + "".join(cap_table(cap_rows(c.records), c.label if len(configurations) > 1 else "")
                      for c in configurations)
            + figure + calibration_section(configurations)
            + f"<h2>Episodes</h2>{episodes_table(configurations, out)}")
    return page(f"stackbot benchmark: {title}", body, TABLE_SCRIPT)


def write_bench_report(configurations: Sequence[Configuration], out: str | Path,
                       chart: Path | None = None) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, bench_html(configurations, out, chart))
    return out


def write_bench_report_for(results: str | Path) -> Path:
    """`<results without .jsonl>.html` for one results file (its chart made if missing)."""
    results = Path(results)
    configuration = load_configuration(results)
    if configuration is None:
        raise ReportInputError(f"{results}: no benchmark results in it")
    chart = results.with_suffix(".png")
    if not chart.is_file():
        bar_chart({configuration.label: configuration.families}, chart)
    return write_bench_report([configuration], results.with_suffix(".html"), chart)
