"""Episodes per minute with 1 and 2 workers (process pool) on the same suite, and the scaling
efficiency (rate with 2 workers / (2 x rate with 1)). Figures only mean something on an otherwise
quiet machine; the load average is printed with them.

    python -m stackbot.bench.throughput                        # embedded model + OpenCV
    python -m stackbot.bench.throughput planner=scripted episodes=4
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from hydra import compose, initialize_config_module

from stackbot.bench.run import run_benchmark

DEFAULTS = ["tasks=all", "episodes=3", "label=throughput",
            "progress=false"]


def episodes_per_minute(overrides: list[str], workers: int, directory: str) -> tuple[int, float]:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=[*DEFAULTS, *overrides, f"runner.workers={workers}",
                                          f"results={directory}/workers{workers}.jsonl"])
    started = time.perf_counter()
    records = run_benchmark(cfg)
    return len(records), 60 * len(records) / (time.perf_counter() - started)


def main(overrides: list[str]) -> None:
    rates = {}
    with tempfile.TemporaryDirectory() as directory:
        for workers in (1, 2):
            n, rates[workers] = episodes_per_minute(overrides, workers, directory)
    load = os.getloadavg()
    print(f"episodes: {n} per run; cores: {os.cpu_count()}; load average before the last run "
          f"finished: {load[0]:.2f}")
    print(f"1 worker: {rates[1]:.1f} episodes/min; 2 workers: {rates[2]:.1f} episodes/min; "
          f"scaling efficiency: {rates[2] / (2 * rates[1]):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
