"""Runners: in-process (workers=1) or a spawn-context process pool (workers=N).

A runner takes the tasks still to run and calls `on_result` with each episode's results line as
it finishes (in completion order). Each pool worker builds its session once and reuses it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from sim.tasks.task import Task
from tools.bench.worker import EpisodeWorker, threads_per_worker

OnResult = Callable[[dict[str, Any]], None]

_WORKER: EpisodeWorker | None = None  # one per pool process, set by its initializer


def _init_worker(config: dict[str, Any], n_threads: int) -> None:
    global _WORKER
    _WORKER = EpisodeWorker(config, n_threads)


def _run_in_worker(task: Task) -> dict[str, Any]:
    assert _WORKER is not None, "the pool initializer did not run"
    return _WORKER.run(task)


class LocalRunner:
    """workers=1: in this process; workers>1: a pool of spawned processes. Each worker's model
    gets `threads` threads (default: the cores split between the workers)."""

    def __init__(self, workers: int = 1, threads: int | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.threads = threads_per_worker(workers, threads)

    def run(self, tasks: Sequence[Task], config: dict[str, Any], on_result: OnResult) -> None:
        if not tasks:
            return
        if self.workers == 1:
            worker = EpisodeWorker(config, self.threads)
            try:
                for task in tasks:
                    on_result(worker.run(task))
            finally:
                worker.close()
            return
        self._run_pool(tasks, config, on_result)

    def _run_pool(self, tasks: Sequence[Task], config: dict[str, Any],
                  on_result: OnResult) -> None:
        workers = min(self.workers, len(tasks))
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                   initargs=(config, self.threads))
        try:
            pending = {pool.submit(_run_in_worker, task) for task in tasks}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    on_result(future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
