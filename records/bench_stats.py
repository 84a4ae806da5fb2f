"""Per-family success rates with 95% Wilson intervals, as a markdown table and a bar chart."""

from __future__ import annotations

import io
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from records.calibration import reliability, results_pairs, status_counts
from records.run_dir import replace_file
from sim.tasks.registry import FAMILIES

Z95 = 1.959964


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class FamilyStats:
    """`executed`: the episodes whose execution was measured (not dry runs, where nothing
    moves and execution_success is None); execution rates are out of these."""

    family: str
    episodes: int
    plan_successes: int
    execution_successes: int
    mean_steps: float
    mean_llm_calls: float
    mean_option_tokens: float
    mean_seconds: Mapping[str, float]
    executed: int = 0

    @property
    def plan_rate(self) -> float:
        return self.plan_successes / self.episodes if self.episodes else 0.0

    @property
    def execution_rate(self) -> float:
        return self.execution_successes / self.executed if self.executed else 0.0


def family_stats(family: str, records: Sequence[Mapping[str, Any]]) -> FamilyStats:
    def mean(values: Iterable[float]) -> float:
        values = list(values)
        return statistics.fmean(values) if values else 0.0

    return FamilyStats(
        family, len(records),
        sum(bool(r["plan_success"]) for r in records),
        sum(bool(r["execution_success"]) for r in records),
        mean(r["n_steps"] for r in records), mean(r["llm_calls"] for r in records),
        mean(r["option_tokens"] for r in records),
        {k: mean(r["seconds"].get(k, 0.0) for r in records)
         for k in ("plan", "execute", "perceive", "total")},
        sum(r["execution_success"] is not None for r in records),
    )


def by_family(records: Iterable[Mapping[str, Any]]) -> list[FamilyStats]:
    """One row per family in first-seen order, then `all`."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    everything = []
    for record in records:
        groups[record["family"]].append(record)
        everything.append(record)
    rows = [family_stats(name, group) for name, group in groups.items()]
    return [*rows, family_stats("all", everything)]


def rate_with_interval(successes: int, n: int) -> str:
    low, high = wilson(successes, n)
    return f"{100 * successes / max(n, 1):.0f}% [{100 * low:.0f}, {100 * high:.0f}]"


def markdown_table(rows: Sequence[FamilyStats]) -> str:
    lines = [
        "| family | n | plan success [95% CI] | execution success [95% CI] | steps | LLM calls "
        "| option tokens | s plan | s execute | s perceive |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        s = row.mean_seconds
        lines.append(
            f"| {row.family} | {row.episodes} "
            f"| {rate_with_interval(row.plan_successes, row.episodes)} "
            f"| {rate_with_interval(row.execution_successes, row.executed)} "
            f"| {row.mean_steps:.1f} | {row.mean_llm_calls:.1f} | {row.mean_option_tokens:.0f} "
            f"| {s['plan']:.1f} | {s['execute']:.1f} | {s['perceive']:.1f} |")
    return "\n".join(lines) + "\n"


def bar_chart(series: Mapping[str, Sequence[FamilyStats]], path: str | Path,
              metric: str = "execution") -> Path:
    """Grouped bars: one group per family, one bar per series (configuration), with the 95%
    Wilson interval as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(r.family for rows in series.values() for r in rows))
    width = 0.8 / max(1, len(series))
    figure, axes = plt.subplots(figsize=(max(6.0, 0.9 * len(families) + 2), 4.2))
    for index, (label, rows) in enumerate(series.items()):
        lookup = {r.family: r for r in rows}
        xs, heights, errors = [], [], [[], []]
        for position, family in enumerate(families):
            row = lookup.get(family)
            if row is None:
                continue
            hits, n = ((row.execution_successes, row.executed) if metric == "execution"
                       else (row.plan_successes, row.episodes))
            low, high = wilson(hits, n)
            rate = hits / max(n, 1)
            xs.append(position + (index - (len(series) - 1) / 2) * width)
            heights.append(rate)
            errors[0].append(max(0.0, rate - low))
            errors[1].append(max(0.0, high - rate))
        axes.bar(xs, heights, width, yerr=errors, capsize=2, label=label)
    axes.set_xticks(range(len(families)), [f.removesuffix("_v1") for f in families],
                    rotation=35, ha="right", fontsize=8)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel(f"{metric} success")
    axes.legend(fontsize=8)
    figure.tight_layout()
    path = Path(path)
    image = io.BytesIO()
    figure.savefig(image, dpi=110, format="png")
    plt.close(figure)
    replace_file(path, image.getvalue())
    return path


def summary_lines(records: Sequence[Mapping[str, Any]]) -> list[str]:
    n = len(records)
    plan = sum(bool(r["plan_success"]) for r in records)
    execution = sum(bool(r["execution_success"]) for r in records)
    executed = sum(r["execution_success"] is not None for r in records)
    errors = sum(1 for r in records if r.get("traceback"))
    ended = status_counts(records)
    table = reliability(results_pairs(records))
    return [
        f"episodes: {n}" + (f" ({errors} raised)" if errors else ""),
        f"plan success: {100 * plan / max(n, 1):.1f}%",
        f"execution success: {100 * execution / executed:.1f}%" if executed else
        "execution success: not measured (a dry run: nothing moved)",
        *(["ended: " + ", ".join(f"{count} {status}" for status, count in ended.items())]
          if ended else []),
        *([f"expected calibration error: {table.ece:.3f} over {table.steps} steps chosen by "
           f"the model ({table.right} right)"] if table.steps else []),
    ]


def registry_order(record: Mapping[str, Any]) -> tuple[int, str, int]:
    """Results in the task registry's order of families, then by seed."""
    order = {family: index for index, family in enumerate(FAMILIES)}
    return order.get(record["family"], len(order)), record["family"], int(record["seed"])
