"""`stackbot-bench`: run the benchmark (a Hydra app sharing the conf tree; primary config bench).

A malformed task file or an unknown family is rejected before anything runs: one line on stderr,
exit status 2.
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from sim.tasks.task_file import TaskFileError, load_task_file
from stackbot.cli import UsageError, check_group_overrides


def fail(message: str) -> None:
    print(f"stackbot-bench: error: {message}", file=sys.stderr)
    sys.exit(2)


@hydra.main(config_path="pkg://conf", config_name="bench", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    try:
        tasks = cfg.tasks
        if isinstance(tasks, str) and tasks.endswith((".yaml", ".yml")):
            load_task_file(tasks)  # checked before the simulator (or anything else) is imported
        from stackbot.bench.run import run_benchmark

        run_benchmark(cfg)
    except KeyboardInterrupt:
        print("stackbot-bench: interrupted; the finished episodes are recorded, run the same "
              "command again to resume", file=sys.stderr)
        sys.exit(130)
    except (TaskFileError, UsageError) as error:
        fail(str(error))
    except ValueError as error:
        if "task family" in str(error) or "episodes must" in str(error):
            fail(str(error))
        raise


def main() -> None:
    try:
        check_group_overrides(sys.argv[1:])
    except UsageError as error:
        fail(str(error))
    _app()


if __name__ == "__main__":
    main()
