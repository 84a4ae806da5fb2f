"""Ray runner: one actor per worker, each with its own session; a local cluster by default,
`address` for an existing one. Needs the optional `ray` dependency (pip install stackbot[bench])."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from sim.tasks.task import Task
from tools.bench.runners import OnResult
from tools.bench.worker import EpisodeWorker, threads_per_worker


class RayRunner:
    def __init__(self, workers: int = 2, address: str | None = None,
                 threads: int | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers, self.address = workers, address
        self.threads = threads_per_worker(workers, threads)

    def run(self, tasks: Sequence[Task], config: dict[str, Any], on_result: OnResult) -> None:
        if not tasks:
            return
        import ray
        from ray.util import ActorPool

        started_here = not ray.is_initialized()
        if started_here:
            cpus = None if self.address else max(self.workers, os.cpu_count() or 1)
            ray.init(address=self.address, num_cpus=cpus, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
        try:
            actor = ray.remote(num_cpus=1)(EpisodeWorker)
            n = min(self.workers, len(tasks))
            actors = [actor.remote(config, self.threads) for _ in range(n)]
            pool = ActorPool(actors)
            for result in pool.map_unordered(lambda a, task: a.run.remote(task), list(tasks)):
                on_result(result)
            for a in actors:
                ray.get(a.close.remote())
                ray.kill(a)
        finally:
            if started_here:
                ray.shutdown()
