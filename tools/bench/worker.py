"""A worker owns one session (simulator, detector, planner, model), built once and reused.

Every runner (in-process, process pool, Ray actor) runs episodes through an EpisodeWorker, so the
same task and seed give the same results whichever runner ran them.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import cv2
from omegaconf import OmegaConf

from agent.session import SimSession, open_session
from sim.tasks.task import Task
from tools.bench.task_episode import error_json, run_task
from tools.bench.traces import EpisodeTraces

log = logging.getLogger(__name__)


def threads_per_worker(workers: int, threads: int | None = None) -> int:
    """`threads` if given, else the cores split between the workers (llama.cpp stalls when the
    cores are oversubscribed)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads per worker must be at least 1, got {threads}")
        return threads
    return max(1, (os.cpu_count() or 1) // max(1, workers))


class EpisodeWorker:
    """Builds its session on first use from a resolved config (a plain dict)."""

    def __init__(self, config: dict[str, Any], n_threads: int | None = None) -> None:
        self.cfg = OmegaConf.create(config)
        if n_threads is not None:
            if "n_threads" in self.cfg.llm:
                self.cfg.llm.n_threads = n_threads
            cv2.setNumThreads(n_threads)  # OpenCV's pool would compete with the other workers
        self._session: SimSession | None = None
        self.traces = EpisodeTraces.from_config(config.get("episode_traces"), config)

    @property
    def session(self) -> SimSession:
        if self._session is None:
            self._session = open_session(self.cfg)
        return self._session

    def run(self, task: Task) -> dict[str, Any]:
        """The episode's results line; an episode that raises is a failure with its traceback
        (and the session is rebuilt for the next one). `wall` holds the episode's start and end
        (Unix seconds, session start-up excluded) for steady-state throughput."""
        try:
            session = self.session
            started = time.time()
            record = run_task(session, task, self.traces)
            record["wall"] = {"started": started, "finished": time.time()}
            return record
        except Exception as error:  # noqa: BLE001 - recorded, and the run goes on
            log.warning("episode %s raised %s", task.key, error)
            self.close()
            return error_json(task, error)

    def close(self) -> None:
        if self._session is not None:
            try:
                self._session.close()
            finally:
                self._session = None
