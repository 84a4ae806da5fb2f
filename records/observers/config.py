"""The observers a config asks for (`telemetry=...`, `record.rerun=...`), built for one episode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from records.observers.base import EpisodeObserver
from records.observers.settings import (
    TRACES_FILE,
    MissingExtraError,
    missing_extra,
    rerun_path,
    telemetry_settings,
)


def build_observers(cfg: Any, record_dir: Path) -> list[EpisodeObserver]:
    """The observers of one episode recorded in `record_dir`; MissingExtraError (a ValueError:
    one line, exit status 2 on the command line) when one needs what is not installed."""
    problem = missing_extra(cfg)
    if problem:
        raise MissingExtraError(problem)
    observers: list[EpisodeObserver] = []
    settings = telemetry_settings(cfg)
    if settings.exporter != "none":
        from records.observers.telemetry import TelemetryObserver

        observers.append(TelemetryObserver(settings, Path(record_dir) / TRACES_FILE))
    recording = rerun_path(cfg, record_dir)
    if recording is not None:
        from records.observers.rerun_recording import RerunObserver

        observers.append(RerunObserver(recording))
    return observers
