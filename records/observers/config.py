"""The observers a config asks for (`telemetry=...`, `record.rerun=...`, `export.lerobot=...`),
built for one episode."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from records.observers.base import EpisodeObserver
from records.observers.settings import (
    TRACES_FILE,
    MissingExtraError,
    check_export_directory,
    export_settings,
    missing_extra,
    rerun_path,
    telemetry_settings,
)

if TYPE_CHECKING:
    from records.lerobot.dataset import LeRobotDatasetWriter


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
    export = export_settings(cfg)
    if export.lerobot is not None:
        from records.lerobot.dataset import STAGED_DIR
        from records.observers.lerobot_recording import LeRobotObserver

        observers.append(LeRobotObserver(export, Path(record_dir) / STAGED_DIR))
    return observers


def build_dataset_writer(cfg: Any) -> LeRobotDatasetWriter | None:
    """The run's LeRobot dataset (`export.lerobot=DIR`), its directory checked (new or empty,
    writable: else one line, exit status 2 on the command line) and not yet created; None when
    the config asks for none."""
    settings = export_settings(cfg)
    if settings.lerobot is None:
        return None
    problem = missing_extra(cfg)
    if problem:
        raise MissingExtraError(problem)
    check_export_directory(settings.lerobot)
    from records.lerobot.dataset import LeRobotDatasetWriter

    return LeRobotDatasetWriter(settings.lerobot)
