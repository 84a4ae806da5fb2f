"""Code as Policies' table III beside stackbot's figures: execution success on its tabletop
instruction kinds (the `cap` suite, `sim/tasks/cap_*.py`), by category and attribute split, then
each unseen instruction kind, with 95% Wilson intervals and, where the paper reports one, its
figure (Liang et al. 2022, "Code as Policies", table III: the 175B code model writing Python)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from records.bench_stats import wilson
from records.calibration import status_counts
from sim.tasks.registry import FAMILY_INFO

# (category, attribute split) -> Code as Policies' reported success rate
CAP_REPORTED: dict[tuple[str, str], float] = {
    ("long_horizon", "seen"): 0.972, ("long_horizon", "unseen"): 0.976,
    ("spatial_geometric", "seen"): 0.893, ("spatial_geometric", "unseen"): 0.733,
}
CATEGORY_NAMES = {"long_horizon": "long-horizon", "spatial_geometric": "spatial-geometric",
                  "unseen_instruction": "unseen instruction"}


@dataclass(frozen=True)
class CapRow:
    """One row: what it groups, its episodes with execution measured, the successes among
    them, and the paper's figure (None: it reports none); `refused` and `unsure`: the episodes
    that ended so (the planner declined the command or stopped on a guess, rather than acting
    wrongly)."""

    group: str
    attributes: str
    successes: int
    n: int
    reported: float | None = None
    refused: int = 0
    unsure: int = 0

    @property
    def rate(self) -> float:
        return self.successes / self.n if self.n else 0.0


def cap_rows(records: Iterable[Mapping[str, Any]]) -> list[CapRow]:
    """The table's rows for the records of `cap` families (others are left out; dry runs too):
    long-horizon and spatial-geometric by seen and unseen attributes, then every unseen
    instruction kind by attributes; rows without episodes are left out."""
    cells: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for record in records:
        info = FAMILY_INFO.get(str(record.get("family")))
        if info is None or info.suite != "cap" or record.get("execution_success") is None:
            continue
        group = info.category if info.category != "unseen_instruction" else info.kind
        cells.setdefault((group, info.attributes), []).append(record)
    kinds = list(dict.fromkeys(i.kind for i in FAMILY_INFO.values()
                               if i.category == "unseen_instruction"))
    rows = []
    for group in ("long_horizon", "spatial_geometric", *kinds):
        for attributes in ("seen", "unseen"):
            cell = cells.get((group, attributes))
            if cell:
                ended = status_counts(cell)
                rows.append(CapRow(group, attributes,
                                   sum(bool(r["execution_success"]) for r in cell), len(cell),
                                   CAP_REPORTED.get((group, attributes)),
                                   ended.get("refused", 0), ended.get("unsure", 0)))
    return rows


def cap_label(row: CapRow) -> str:
    if row.group in CATEGORY_NAMES:
        return CATEGORY_NAMES[row.group]
    return f"unseen instruction: {row.group.replace('_', ' ')}"


def cap_markdown(rows: Sequence[CapRow]) -> str:
    """The rows as a markdown table ("" without rows)."""
    if not rows:
        return ""
    lines = ["| Code as Policies' kinds | attributes | stackbot success [95% CI] | n "
             "| refused, unsure | Code as Policies |", "|---|---|---|---:|---:|---:|"]
    for row in rows:
        low, high = wilson(row.successes, row.n)
        reported = "–" if row.reported is None else f"{100 * row.reported:.1f}%"
        lines.append(f"| {cap_label(row)} | {row.attributes} | {100 * row.rate:.1f}% "
                     f"[{100 * low:.0f}, {100 * high:.0f}] | {row.n} | {row.refused}, "
                     f"{row.unsure} | {reported} |")
    return "\n".join(lines) + "\n"
