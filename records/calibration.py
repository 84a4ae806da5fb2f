"""Calibration of the planner's confidence: the chosen option's p_LLM at each step against
whether the step was right (the results line's `confidence`: [p, right] per step a language
model chose, judged by `tools/bench/calibration.py` against the task's goal), in a reliability
table of equal-width bins and the expected calibration error (ECE: the bins' |fraction right -
mean p|, weighted by their share of the steps)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BINS = 10


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    steps: int
    right: int
    mean_p: float

    @property
    def fraction_right(self) -> float:
        return self.right / self.steps if self.steps else 0.0


@dataclass(frozen=True)
class Reliability:
    bins: tuple[ReliabilityBin, ...]

    @property
    def steps(self) -> int:
        return sum(b.steps for b in self.bins)

    @property
    def right(self) -> int:
        return sum(b.right for b in self.bins)

    @property
    def ece(self) -> float:
        """Expected calibration error (0 without steps)."""
        n = self.steps
        return sum(b.steps / n * abs(b.fraction_right - b.mean_p) for b in self.bins) if n else 0.0


def reliability(pairs: Iterable[tuple[float, bool]], bins: int = BINS) -> Reliability:
    """The (p, right) pairs in `bins` equal-width bins of p (p = 1 in the last)."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, right in pairs:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"a probability must be in [0, 1], got {p}")
        grouped[min(int(p * bins), bins - 1)].append((p, bool(right)))
    return Reliability(tuple(
        ReliabilityBin(i / bins, (i + 1) / bins, len(group), sum(r for _, r in group),
                       sum(p for p, _ in group) / len(group) if group else 0.0)
        for i, group in enumerate(grouped)))


def results_pairs(records: Iterable[Mapping[str, Any]]) -> list[tuple[float, bool]]:
    """Every judged step of the results lines (lines without `confidence`: none)."""
    return [(float(p), bool(right)) for r in records for p, right in r.get("confidence") or ()]


def reliability_lines(table: Reliability) -> list[str]:
    """The table as markdown lines, the bins with steps only, then the ECE."""
    lines = ["| p of the chosen option | steps | right | fraction right | mean p |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {b.low:.1f}-{b.high:.1f} | {b.steps} | {b.right} | {b.fraction_right:.2f} "
              f"| {b.mean_p:.2f} |" for b in table.bins if b.steps]
    return [*lines, f"expected calibration error: {table.ece:.3f} over {table.steps} steps"]


def status_counts(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Episodes by how they ended (`status`: done, refused, unsure, step_limit, stopped)."""
    counts: dict[str, int] = {}
    for record in records:
        status = str(record.get("status") or "")
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts
