"""`stackbot-report RUN_DIR ...`: (re)write report.html in existing run directories;
`stackbot-report RESULTS.jsonl`: (re)write a benchmark's `<label>.html` beside its results.

A path that is neither, or a damaged file: one line on stderr naming the file (and line), exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from records.report.run_data import ReportInputError
from records.run_dir import RunDirectoryError

PROGRAM = "stackbot-report"


def write_report(path: Path) -> Path:
    if path.suffix == ".jsonl" and path.is_file():
        from stackbot.launch import import_pybullet_quietly

        import_pybullet_quietly()  # the task registry orders the episodes
        from records.report.bench_page import write_bench_report_for

        return write_bench_report_for(path)
    from records.report.episode_page import write_episode_report

    return write_episode_report(path)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, metavar="RUN_DIR",
                        help="a run directory (or a benchmark's results .jsonl file)")
    args = parser.parse_args(argv)
    for path in args.paths:
        try:
            report = write_report(path)
        except (ReportInputError, RunDirectoryError) as error:
            print(f"{PROGRAM}: error: {error}", file=sys.stderr)
            sys.exit(2)
        print(f"report: {report}")


if __name__ == "__main__":
    main()
