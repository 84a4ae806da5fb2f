"""What a person reads while an episode runs: per step the top options and their three scores."""

from __future__ import annotations

from agent.types import EpisodeResult, StepRecord
from planner.grounding import ungrounded_mentions
from planner.ranking import language_probabilities
from skills.relations import describe_state
from skills.types import SearchSummary


def format_step(record: StepRecord, top_k: int = 5) -> str:
    lines = [f"step {record.index + 1}: {record.scene.describe()}",
             f"  {describe_state(record.scene)}"]
    lines.append(f"  {'option':<52} {'llm':>7} {'afford':>7} {'combined':>9}")
    search = record.step.search
    probs = language_probabilities([s.llm_score for s in record.step.scored],
                                   [s.bound for s in record.step.scored],
                                   search.scored_mass if search else 1.0)
    for rank, scored in enumerate(record.step.scored[:top_k]):
        marker = ">" if rank == 0 else " "
        at_most = "<=" if scored.bound else ""
        lines.append(
            f"{marker} {scored.option.text:<52} {at_most + f'{probs[rank]:.3f}':>7} "
            f"{scored.affordance:>7.2f} {at_most + f'{scored.combined:.4f}':>9}"
        )
    if record.step.note:
        lines.append(f"  {record.step.note}")
    hidden = len(record.step.scored) - top_k
    if hidden > 0:
        lines.append(f"  ... {hidden} more options (all in trace.jsonl)")
    if search is not None:
        lines.append(f"  {describe_search(search)}")
    lines.append(
        f"  planned in {record.seconds_plan:.2f} s (perception {record.seconds_perceive:.2f} s)"
    )
    if record.result is not None:
        status = "ok" if record.result.success else "FAILED"
        phases = ", ".join(p.phase for p in record.result.primitives)
        done = "checked, not executed (dry run)" if record.result.dry_run else "executed"
        lines.append(f"  {done} [{status}] {phases} in {record.result.seconds:.2f} s")
        if not record.result.success:
            lines.append(f"  {record.result.message}")
    if record.verdict is not None:
        status = "ok" if record.verdict.holds else "FAILED"
        lines.append(f"  check [{status}]: {record.verdict.evidence}")
    for fault in record.faults:
        lines.append(f"  fault injected: {fault.fault}: {fault.detail}")
    if record.recovery:
        lines.append(f"  recovery: {record.recovery}")
    return "\n".join(lines)


def describe_search(search: SearchSummary) -> str:
    """One line: how many options were scored and pruned, what was decoded, what p_LLM is."""
    decoded = "" if search.tokens_decoded is None else (
        f", {search.tokens_decoded} option tokens decoded, {search.logits_rows} logits rows")
    if search.search != "best_first" or not search.pruned:
        return f"{search.search}: {search.scored} options scored{decoded}"
    share = f"{100 * (1 - search.scored_mass):.1f}%"
    return (f"best-first: {search.scored} options scored, {search.pruned} pruned (<=: an upper "
            f"bound){decoded}; pruned options hold at most {share} of p_LLM, so a scored "
            f"option's p_LLM is at most {share} below exact")


def failure_message(record: StepRecord) -> str:
    """Why a step failed: the success check's evidence, else the arm's report."""
    if record.verdict is not None and not record.verdict.holds:
        return f"{record.step.option.text}: {record.verdict.evidence}"
    return record.result.message if record.result is not None else ""


def format_outcome(episode: EpisodeResult) -> str:
    executed = episode.executed
    failed = episode.failed
    dry_run = any(result.dry_run for result in executed)
    done = "checked (dry run)" if dry_run else "executed"
    said = {"refused": "refused", "unsure": "unsure, the best guess not carried out"}.get(
        episode.status, episode.message)  # the reason is the run's last line (tools.command)
    lines = [f"outcome: {said} after {len(executed)} {done} step(s)"]
    if dry_run:
        lines.append("  dry run: every motion was checked, not executed; the arm did not move")
    elif not any(result.moved for result in executed):
        lines.append("  the arm did not move")
    if failed:
        lines.append(f"  {len(failed)} step(s) failed: "
                     + "; ".join(failure_message(r) for r in failed))
    if episode.records:
        absent = ungrounded_mentions(episode.instruction, episode.records[0].scene)
        if absent:
            lines.append("  not on the table: " + ", ".join(absent))
    seconds = episode.seconds
    lines.append(
        f"  time: plan {seconds.get('plan', 0):.2f} s, execute {seconds.get('execute', 0):.2f} s,"
        f" perceive {seconds.get('perceive', 0):.2f} s, total {seconds.get('total', 0):.2f} s"
    )
    return "\n".join(lines)
