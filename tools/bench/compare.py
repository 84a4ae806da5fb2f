"""One table, one chart and one HTML report from several results files (one configuration each):
a row per configuration, a column per family; cells are execution success / plan success.

    python -m tools.bench.compare outputs/bench/*.jsonl --out outputs/bench/baseline
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from records.bench_stats import (
    FamilyStats,
    bar_chart,
    by_family,
    rate_with_interval,
    registry_order,
)
from records.results import ResultsFile


def load_series(paths: Sequence[str | Path]) -> dict[str, list[FamilyStats]]:
    series: dict[str, list[FamilyStats]] = {}
    for path in paths:
        records = sorted(ResultsFile(path).load().values(), key=registry_order)
        if records:
            label = str(records[0].get("label") or Path(path).stem)
            series[label] = by_family(records)
    return series


def comparison_table(series: dict[str, list[FamilyStats]]) -> str:
    families = list(dict.fromkeys(r.family for rows in series.values() for r in rows
                                  if r.family != "all"))
    short = [f.removesuffix("_v1") for f in families]
    lines = [
        "| configuration | episodes | " + " | ".join(short)
        + " | execution success [95% CI] | plan success [95% CI] |",
        "|---|---:|" + "---:|" * len(families) + "---|---|",
    ]
    for label, rows in series.items():
        lookup = {r.family: r for r in rows}
        total = lookup["all"]
        cells = []
        for family in families:
            row = lookup.get(family)
            cells.append("–" if row is None else
                         f"{100 * row.execution_rate:.0f} / {100 * row.plan_rate:.0f}")
        lines.append(
            f"| {label} | {total.episodes} | " + " | ".join(cells)
            + f" | {rate_with_interval(total.execution_successes, total.executed)} "
            f"| {rate_with_interval(total.plan_successes, total.episodes)} |")
    lines.append("")
    lines.append("Family cells: execution success % / plan success %.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    from records.report.bench_page import load_configuration, write_bench_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="results .jsonl files, one per configuration")
    parser.add_argument("--out", default="outputs/bench/baseline",
                        help="writes OUT.md, OUT.png and OUT.html")
    args = parser.parse_args(argv)
    series = load_series(args.results)
    if not series:
        parser.error("no results in the given files")
    table = comparison_table(series)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(table, encoding="utf-8")
    chart = bar_chart(series, out.with_suffix(".png"))
    page = write_bench_report([c for path in args.results
                               if (c := load_configuration(path)) is not None],
                              out.with_suffix(".html"), chart)
    print(table, end="")
    print(f"table: {out.with_suffix('.md')}; chart: {chart}; report: {page}")


if __name__ == "__main__":
    main()
