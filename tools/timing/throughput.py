"""Episodes per minute with 1 and 2 workers (process pool) on the same suite.

Three runs of the same episodes:
  - 1 worker, 1 model thread, and 2 workers, 1 model thread each: the scaling efficiency
    (rate with 2 workers / (2 x rate with 1)), each worker with the same resources;
  - 1 worker, 2 model threads: the fastest single process, which 2 workers are compared with too.
Rates are steady-state (first episode start to last episode end; session start-up, which loads the
model once per worker, is printed apart). Figures only mean something on an otherwise quiet
machine; the load average is printed with them.

    python -m tools.timing.throughput                        # embedded model + OpenCV
    python -m tools.timing.throughput planner=scripted episodes=4
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from agent.config import compose_config
from tools.bench.benchmark import run_benchmark

DEFAULTS = ["tasks=core", "episodes=3", "label=throughput", "progress=false"]
RUNS = ((1, 1), (2, 1), (1, 2))  # (workers, model threads per worker)


@dataclass(frozen=True)
class Throughput:
    workers: int
    threads: int
    episodes: int
    per_minute: float  # steady state
    startup_seconds: float  # wall time before the first episode started

    def line(self) -> str:
        return (f"{self.workers} worker{'s' if self.workers > 1 else ''} x {self.threads} "
                f"thread{'s' if self.threads > 1 else ''}: {self.per_minute:.1f} episodes/min "
                f"({self.episodes} episodes; start-up {self.startup_seconds:.1f} s)")


def steady_rate(records: list[dict[str, Any]]) -> float:
    """Episodes per minute from the first episode's start to the last one's end."""
    windows = [r["wall"] for r in records if r.get("wall")]
    span = max(w["finished"] for w in windows) - min(w["started"] for w in windows)
    return 60 * len(records) / span


def measure(overrides: list[str], workers: int, threads: int, directory: str) -> Throughput:
    cfg = compose_config([*DEFAULTS, *overrides, f"runner.workers={workers}",
                          f"runner.threads={threads}",
                          f"results={directory}/w{workers}t{threads}.jsonl"], "bench")
    began = time.time()
    records = run_benchmark(cfg)
    first_start = min(r["wall"]["started"] for r in records if r.get("wall"))
    return Throughput(workers, threads, len(records), steady_rate(records), first_start - began)


def main(overrides: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        runs = {(w, t): measure(overrides, w, t, directory) for w, t in RUNS}
    load = os.getloadavg()[0]
    print(f"cores: {os.cpu_count()}; load average at the end: {load:.2f}")
    for run in runs.values():
        print(run.line())
    one, two, fastest = runs[(1, 1)], runs[(2, 1)], runs[(1, 2)]
    print(f"scaling efficiency (1 thread per worker): {two.per_minute / (2 * one.per_minute):.2f}")
    print(f"2 workers vs the fastest single process (1 worker x 2 threads): "
          f"{two.per_minute / fastest.per_minute:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
