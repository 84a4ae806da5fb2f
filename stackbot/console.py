"""What a person reads while an episode runs: per step the top options and their three scores."""

from __future__ import annotations

import math
import re

from perception.types import COLOR_NAMES, Scene
from stackbot.agent import EpisodeResult, StepRecord

_MENTION = re.compile(r"\b(" + "|".join(COLOR_NAMES) + r")\s+(block|bowl)s?\b")


def format_step(record: StepRecord, top_k: int = 5) -> str:
    lines = [f"step {record.index + 1}: {record.scene.describe()}"]
    lines.append(f"  {'option':<52} {'llm':>7} {'afford':>7} {'combined':>9}")
    for rank, scored in enumerate(record.step.scored[:top_k]):
        marker = ">" if rank == 0 else " "
        lines.append(
            f"{marker} {scored.option.text:<52} {_prob(scored.llm_score):>7} "
            f"{scored.affordance:>7.2f} {scored.combined:>9.4f}"
        )
    hidden = len(record.step.scored) - top_k
    if hidden > 0:
        lines.append(f"  ... {hidden} more options (all in trace.jsonl)")
    lines.append(
        f"  planned in {record.seconds_plan:.2f} s (perception {record.seconds_perceive:.2f} s)"
    )
    if record.result is not None:
        status = "ok" if record.result.success else "FAILED"
        phases = ", ".join(p.phase for p in record.result.primitives)
        lines.append(f"  executed [{status}] {phases} in {record.result.seconds:.2f} s")
        if not record.result.success:
            lines.append(f"  {record.result.message}")
    return "\n".join(lines)


def _prob(log_score: float) -> str:
    return f"{math.exp(log_score):.3f}" if log_score > -50 else "0.000"


def missing_mentions(instruction: str, scene: Scene) -> list[str]:
    """Objects the instruction names (colour + kind) that perception did not find."""
    seen = {obj.name for obj in scene.objects}
    named = {f"{color} {kind}" for color, kind in _MENTION.findall(instruction.lower())}
    return sorted(named - seen)


def format_outcome(episode: EpisodeResult) -> str:
    executed = episode.executed
    failed = [r for r in executed if not r.success]
    lines = [f"outcome: {episode.message} after {len(executed)} executed step(s)"]
    if not episode.moved:
        lines.append("  the arm did not move")
    if failed:
        lines.append(f"  {len(failed)} step(s) failed: " + "; ".join(r.message for r in failed))
    if episode.records:
        absent = missing_mentions(episode.instruction, episode.records[0].scene)
        if absent:
            lines.append("  not on the table: " + ", ".join(absent))
    seconds = episode.seconds
    lines.append(
        f"  time: plan {seconds.get('plan', 0):.2f} s, execute {seconds.get('execute', 0):.2f} s,"
        f" perceive {seconds.get('perceive', 0):.2f} s, total {seconds.get('total', 0):.2f} s"
    )
    return "\n".join(lines)
