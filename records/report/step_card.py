"""One planning step of an episode report as a card: the frames before and after with the
detections, the scene the planner saw, every option's scores, the choice, the primitives sent,
the result, the success check, injected faults, recovery, timings and the model call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.ranking import language_probabilities
from records.report.frames import frame_figure
from records.report.html import badge, bar, details, esc, key_values, pre, seconds

TOP_OPTIONS = 8


def step_failed(line: dict[str, Any]) -> bool:
    """Executed (or tried), and its effect not seen (or the arm said it failed)."""
    result = line.get("result")
    if result is None:
        return False
    if "succeeded" in line:
        return not line["succeeded"]
    verdict = line.get("verdict")
    return not (verdict["holds"] if verdict else result.get("success", False))


def failure_text(line: dict[str, Any]) -> str:
    verdict = line.get("verdict") or {}
    if verdict and not verdict.get("holds", True):
        return str(verdict.get("evidence", "the success check failed"))
    return str((line.get("result") or {}).get("message", "failed"))


def step_badge(line: dict[str, Any]) -> str:
    result = line.get("result")
    if result is None:
        if line.get("unsure"):
            return badge("unsure: not executed", "warn")
        return badge("done()" if line["chosen"] == "done()" else "refused"
                     if str(line["chosen"]).startswith("cannot(") else "not executed", "info")
    if step_failed(line):
        return badge("FAILED", "fail")
    if result.get("dry_run"):
        return badge("checked (dry run)", "warn")
    if str(result.get("message", "")).startswith("not executed"):
        return badge("already holds", "info")
    return badge("ok", "ok")


def option_probabilities(options: list[dict[str, Any]],
                         search: dict[str, Any] | None = None) -> list[float]:
    """p_LLM: the softmax of the language scores over the option set; upper bounds for options
    the search pruned (planner.ranking.language_probabilities)."""
    return language_probabilities(
        [float(o.get("llm_score", o.get("llm_logprob", 0.0))) for o in options],
        [bool(o.get("bound")) for o in options],
        float((search or {}).get("scored_mass", 1.0)))


def _option_rows(ranked: list[tuple[dict[str, Any], float]], chosen: str, start: int) -> str:
    rows = []
    for rank, (option, p_llm) in enumerate(ranked, start):
        affordance = float(option.get("affordance", 0.0))
        combined = float(option.get("combined", 0.0))
        reason = option.get("affordance_reason") or ""
        why = f'<span class="why">{esc(reason)}</span>' if reason and affordance < 1 else ""
        classes = " ".join(c for c, on in (("chosen", option["text"] == chosen),
                                           ("bound", bool(option.get("bound")))) if on)
        row_class = f' class="{classes}"' if classes else ""
        at_most = '<span class="bound" title="pruned: an upper bound">&le;</span>' \
            if option.get("bound") else ""
        rows.append(
            f"<tr{row_class}><td class=\"num\">{rank}</td>"
            f"<td class=\"text mono\">{esc(option['text'])}{why}</td>"
            f"<td class=\"score\">{bar(p_llm, 'llm')}{at_most}{p_llm:.3f}</td>"
            f"<td class=\"score\">{bar(affordance, 'afford')}{affordance:.2f}</td>"
            f"<td class=\"score\">{bar(combined, 'combined')}{at_most}{combined:.4f}</td></tr>")
    return "".join(rows)


def search_note(search: dict[str, Any] | None) -> str:
    """How the options were scored: every one, or best-first with some pruned."""
    if not search:
        return ""
    decoded = "" if search.get("tokens_decoded") is None else (
        f"; {search['tokens_decoded']} option tokens decoded, {search.get('logits_rows')} "
        "logits rows")
    if search.get("search") != "best_first" or not search.get("pruned"):
        return (f'<p class="muted">{esc(str(search.get("search")))}: {search.get("scored")} '
                f"options scored{decoded}.</p>")
    share = f"{100 * (1 - float(search.get('scored_mass', 1.0))):.1f}%"
    return (f'<p class="muted">Best-first search: {search.get("scored")} options scored, '
            f"{search['pruned']} pruned{decoded}. A pruned option's scores are upper bounds "
            f"(&le;); pruned options hold at most {share} of p<sub>LLM</sub>, so a scored "
            f"option's p<sub>LLM</sub> is at most {share} below exact.</p>")


def options_table(line: dict[str, Any]) -> str:
    options = line["options"]
    p_llm = option_probabilities(options, line.get("search"))
    ranked = sorted(zip(options, p_llm, strict=True),
                    key=lambda pair: (bool(pair[0].get("bound")),
                                      -float(pair[0].get("combined", 0.0)), -pair[1]))
    head = ("<table class=\"options\"><thead><tr><th class=\"num\">#</th><th>option</th>"
            "<th>p<sub>LLM</sub></th><th>affordance</th><th>combined</th></tr></thead><tbody>")
    shown = head + _option_rows(ranked[:TOP_OPTIONS], line["chosen"], 1) + "</tbody></table>"
    rest = ranked[TOP_OPTIONS:]
    if rest:
        shown += details(f"{len(rest)} more options",
                         head + _option_rows(rest, line["chosen"], TOP_OPTIONS + 1)
                         + "</tbody></table>")
    if options and all(int(o.get("n_tokens", 0)) == 0 for o in options):
        shown += ('<p class="muted">No language model scored these options (a scripted '
                  "planner): p<sub>LLM</sub> is uniform.</p>")
    return shown + search_note(line.get("search"))


def primitives_table(result: dict[str, Any]) -> str:
    primitives = result.get("primitives") or []
    if not primitives:
        return '<p class="muted">No primitive was sent.</p>'
    times = result.get("primitive_times") or []
    rows = []
    for index, primitive in enumerate(primitives):
        target = primitive.get("pose") or primitive.get("joints")
        where = ", ".join(f"{v:.3f}" for v in target) if target else ""
        took = ""
        if index < len(times) and len(times[index]) == 2:
            took = f"{1000 * (times[index][1] - times[index][0]):.0f} ms"
        rows.append(f"<tr><td class=\"num\">{index + 1}</td><td>{esc(primitive.get('phase', ''))}"
                    f"</td><td class=\"mono\">{esc(primitive.get('kind', ''))}</td>"
                    f"<td class=\"mono\">{esc(where)}</td><td class=\"num\">{took}</td></tr>")
    sent = "checked, not sent (dry run)" if result.get("dry_run") else "sent to the arm"
    return (f"<table><thead><tr><th class=\"num\">#</th><th>phase</th><th>kind</th>"
            f"<th>pose (x y z roll pitch yaw) / joints</th><th class=\"num\">took</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table><p class=\"muted\">{sent}</p>")


def arm_path(result: dict[str, Any] | None) -> list[list[float]]:
    return [p["pose"] for p in (result or {}).get("primitives") or []
            if p.get("pose") and len(p["pose"]) >= 3]


def outcome_block(line: dict[str, Any]) -> str:
    result = line.get("result")
    parts = []
    if step_failed(line):
        parts.append(f'<div class="reason"><b>Failed:</b> {esc(failure_text(line))}</div>')
    for fault in line.get("faults") or []:
        parts.append(f'<div class="reason warn"><b>Injected fault {esc(fault.get("fault", ""))}'
                     f":</b> {esc(fault.get('detail', ''))}</div>")
    if line.get("recovery"):
        parts.append(f'<div class="reason warn"><b>Recovery:</b> {esc(line["recovery"])}</div>')
    pairs = []
    if result is not None:
        pairs.append(("arm reported", ("ok" if result.get("success") else "failed") + ": "
                      + esc(result.get("message", ""))))
    verdict = line.get("verdict")
    if verdict is not None:
        pairs.append(("success check", ("holds" if verdict.get("holds") else "does not hold")
                      + ": " + esc(verdict.get("evidence", ""))))
    elif result is not None and not result.get("dry_run"):
        pairs.append(("success check", "not checked (the arm's report is trusted)"))
    times = line.get("seconds") or {}
    pairs.append(("time", ", ".join(f"{phase} {seconds(times.get(phase))}"
                                    for phase in ("perceive", "plan", "execute"))))
    return "".join(parts) + key_values(pairs)


def model_call_block(call: dict[str, Any] | None) -> str:
    if call is None:
        return ""
    note = f"<p><b>Planner's note:</b> {esc(call['note'])}</p>" if call.get("note") else ""
    tokens = f", {call['prompt_tokens']} tokens" if call.get("prompt_tokens") else ""
    return note + details(
        f"the full prompt ({esc(call.get('model', 'model'))}{tokens}, "
        f"{seconds(call.get('seconds'))})", pre(str(call.get("prompt", ""))))


def step_card(line: dict[str, Any], before: Path | None, after: Path | None,
              detections_after: list[dict[str, Any]] | None,
              call: dict[str, Any] | None) -> str:
    index = int(line["step"])
    failed = step_failed(line)
    camera = line.get("camera")
    result = line.get("result")
    after_figure = "" if result is None else frame_figure(
        after, f"after step {index + 1}: what was seen next", detections_after, camera)
    frames = frame_figure(before, f"before step {index + 1}: the detections the planner had",
                          line.get("detections"), camera, arm_path(result)) + after_figure
    if before is None and after is None:
        frames = ('<p class="muted">No frames were saved for this episode (a benchmark keeps '
                  "them for failed episodes only, unless episode_pictures=all).</p>")
    scene = "\n".join(str(line.get(k, "")) for k in ("scene", "state") if line.get(k))
    right = (f"<h3>Options</h3>{options_table(line)}"
             + ("" if result is None else f"<h3>Primitives</h3>{primitives_table(result)}"))
    return (
        f'<article class="step{" failed" if failed else ""}" id="step-{index}" '
        f'data-step="{index}" data-failed="{str(failed).lower()}">'
        f"<header><h3>Step {index + 1}</h3>{step_badge(line)}"
        f'<span class="chosen mono">{esc(line["chosen"])}</span></header>'
        f'{outcome_block(line)}<div class="frames">{frames}</div>'
        f'<div class="columns"><div><h3>Scene the planner saw</h3>{pre(scene)}'
        + details("detections (world frame, metres)",
                  pre(json.dumps(line.get("detections", []), indent=1)))
        + model_call_block(call)
        + f"</div><div>{right}</div></div></article>")
