"""What a config asks its observers for (`telemetry=...`, `record.rerun=...`,
`export.lerobot=DIR`), and the optional extras they need: a choice whose extra is not installed is
one line saying what to pip install. This module loads nothing of stackbot: the command line
checks use it."""

from __future__ import annotations

import importlib.util
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXPORTERS = ("none", "console", "file", "otlp")
TRACES_FILE = "otel_traces.jsonl"  # telemetry=file: OTLP-JSON lines in the run directory
TELEMETRY_MODULES = {  # what each exporter imports (the `telemetry` extra installs them all)
    "console": ("opentelemetry.sdk",),
    "file": ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.common"),
    "otlp": ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http"),
}
RERUN_MODULES = ("rerun",)
LEROBOT_MODULES = ("av", "pyarrow")


class MissingExtraError(ValueError):
    """A configured observer whose optional dependencies are not installed."""


@dataclass(frozen=True)
class TelemetrySettings:
    """`telemetry`: where spans go (`none`, `console`, `file`: OTLP-JSON lines in the run
    directory, `otlp`: an OTLP/HTTP collector at `endpoint`), whether the model's prompts are
    span attributes, the service name and how long an export may take."""

    exporter: str = "none"
    endpoint: str | None = None
    record_prompts: bool = False
    service_name: str = "stackbot"
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if self.exporter not in EXPORTERS:
            raise ValueError(f"telemetry.exporter must be one of {', '.join(EXPORTERS)}, "
                             f"got {self.exporter!r}")
        if self.exporter == "otlp" and not self.endpoint:
            raise ValueError("telemetry=otlp needs telemetry.endpoint "
                             "(e.g. http://localhost:4318/v1/traces)")
        if self.timeout_s <= 0:
            raise ValueError(f"telemetry.timeout_s must be positive, got {self.timeout_s}")


def telemetry_settings(cfg: Any) -> TelemetrySettings:
    node = cfg.get("telemetry") if cfg is not None else None
    if not node:
        return TelemetrySettings()
    return TelemetrySettings(**{str(k): v for k, v in dict(node).items() if k != "_target_"})


def rerun_path(cfg: Any, record_dir: Path) -> Path | None:
    """`record.rerun`: the episode's .rrd file; a relative path is inside the episode's record
    directory (the run directory, or an interactive command's or benchmark episode's own)."""
    record = cfg.get("record") if cfg is not None else None
    value = record.get("rerun") if record else None
    if not value:
        return None
    path = Path(str(value)).expanduser()
    if path.suffix != ".rrd":
        raise ValueError(f"record.rerun must name a .rrd file, got {str(value)!r}")
    return path if path.is_absolute() else Path(record_dir) / path


@dataclass(frozen=True)
class ExportSettings:
    """`export`: where the run's LeRobot dataset goes (`lerobot`, None: none), its frames per
    simulated second and the size its camera frames are rendered at (even numbers: the video is
    yuv420p)."""

    lerobot: Path | None = None
    fps: int = 10
    width: int = 320
    height: int = 240

    def __post_init__(self) -> None:
        if not 1 <= self.fps <= 60:
            raise ValueError(f"export.fps must be 1..60 frames per second, got {self.fps}")
        for key in ("width", "height"):
            value = getattr(self, key)
            if value < 16 or value > 4096 or value % 2:
                raise ValueError(f"export.{key} must be an even number of pixels in 16..4096, "
                                 f"got {value}")


def export_settings(cfg: Any) -> ExportSettings:
    node = cfg.get("export") if cfg is not None else None
    if not node or not node.get("lerobot"):
        return ExportSettings()
    return ExportSettings(Path(str(node["lerobot"])).expanduser().absolute(),
                          int(node.get("fps", 10)), int(node.get("width", 320)),
                          int(node.get("height", 240)))


def check_export_directory(directory: Path) -> None:
    """ValueError (one line) unless `directory` is a new or empty directory that can be created
    and written: a dataset is written whole into a directory of its own. Creates nothing."""
    if directory.exists():
        if not directory.is_dir():
            raise ValueError(f"export.lerobot: {directory} is not a directory")
        if any(directory.iterdir()):
            raise ValueError(f"export.lerobot: {directory} is not empty (a dataset is written "
                             "into a new or empty directory)")
    parent = directory
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"export.lerobot: {parent} is not a directory")
    try:  # a probe, as root too (permissions alone do not tell root: a read-only mount does)
        with tempfile.TemporaryFile(dir=parent, prefix=".stackbot-probe-"):
            pass
    except OSError as error:
        raise ValueError(f"export.lerobot: cannot write in {parent}: "
                         f"{error.strerror or error}") from None


def missing_extra(cfg: Any) -> str | None:
    """The one line to print when a chosen observer's extra is not installed, else None."""
    exporter = str((cfg.get("telemetry") or {}).get("exporter", "none"))
    if any(not _installed(m) for m in TELEMETRY_MODULES.get(exporter, ())):
        return (f"telemetry={exporter} needs the telemetry extra: "
                "pip install 'stackbot[telemetry]'")
    if (cfg.get("record") or {}).get("rerun") and not all(map(_installed, RERUN_MODULES)):
        return "record.rerun needs the rerun extra: pip install 'stackbot[rerun]'"
    if (cfg.get("export") or {}).get("lerobot") and not all(map(_installed, LEROBOT_MODULES)):
        return "export.lerobot needs the lerobot extra: pip install 'stackbot[lerobot]'"
    return None


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package that is not there
        return False
