"""`stackbot-bench`: run the benchmark (a Hydra app sharing the conf tree; primary config bench).

A malformed task file or an unknown family is rejected before anything runs: one line on stderr,
exit status 2.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import hydra
from omegaconf import DictConfig

from sim.tasks.task_file import load_task_file
from stackbot.launch import fail as stackbot_fail
from stackbot.launch import launch
from tools.user_errors import user_error


def fail(message: str) -> NoReturn:
    stackbot_fail(message, "stackbot-bench")


@hydra.main(config_path="pkg://conf", config_name="bench", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    try:
        tasks = cfg.tasks
        suite = None
        if isinstance(tasks, str) and tasks.endswith((".yaml", ".yml")):
            suite = load_task_file(tasks)  # checked before the simulator is imported, read once
        from tools.bench.benchmark import run_benchmark

        run_benchmark(cfg, suite)
    except KeyboardInterrupt:
        print("stackbot-bench: interrupted; the finished episodes are recorded, run the same "
              "command again to resume", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - bad input becomes one line, the rest re-raises
        message = user_error(error)
        if message is None:
            raise
        fail(message)


def main() -> None:
    launch(_app, "stackbot-bench", "bench")


if __name__ == "__main__":
    main()
