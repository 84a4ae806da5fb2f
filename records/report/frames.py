"""Camera frames for the report: the saved PNG inline, the detections (and the arm's path)
drawn over it as SVG with the camera the trace line recorded."""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from perception.input_files import InputFileError, read_bytes
from records.report.html import esc, png_data_uri
from records.report.run_data import ReportInputError

Projector = Callable[[Sequence[float]], tuple[float, float] | None]
LOW_CONFIDENCE = 0.5
MAX_FRAME_BYTES = 64 << 20  # a 4K RGB frame as PNG is under 30 MB


def read_png(path: Path) -> tuple[bytes, int, int]:
    """A saved frame's bytes, width and height (from its header); ReportInputError when it is
    not a PNG file of at most MAX_FRAME_BYTES."""
    try:
        data = read_bytes(path, MAX_FRAME_BYTES)
    except InputFileError as error:
        raise ReportInputError(f"{path}: {error}") from None
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ReportInputError(f"{path}: not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return data, int(width), int(height)


def projector(camera: dict[str, Any] | None) -> Projector | None:
    """World point -> pixel (col, row) for the recorded camera; None when none was recorded."""
    if not camera or "intrinsics" not in camera or "camera_to_world" not in camera:
        return None
    intrinsics = np.asarray(camera["intrinsics"], dtype=float)
    world_to_camera = np.linalg.inv(np.asarray(camera["camera_to_world"], dtype=float))

    def project(point: Sequence[float]) -> tuple[float, float] | None:
        x, y, z = (world_to_camera @ np.array([*point[:3], 1.0]))[:3]
        if z <= 1e-6:
            return None
        return (float(intrinsics[0, 0] * x / z + intrinsics[0, 2]),
                float(intrinsics[1, 1] * y / z + intrinsics[1, 2]))

    return project


def _detection_svg(detection: dict[str, Any], project: Projector) -> str:
    pixel = project(detection.get("position", (0.0, 0.0, 0.0)))
    if pixel is None:
        return ""
    u, v = pixel
    name = str(detection.get("name", "?"))
    confidence = float(detection.get("confidence", 1.0))
    low = " low" if confidence < LOW_CONFIDENCE else ""
    label_x, label_y = u + 14, v - 12  # a bowl's label goes below, so a block in it keeps its own
    if name.endswith("bowl"):
        shape = f'<circle class="marker{low}" cx="{u:.1f}" cy="{v:.1f}" r="16"/>'
        label_y = v + 30
    else:
        shape = (f'<rect class="marker{low}" x="{u - 11:.1f}" y="{v - 11:.1f}" width="22" '
                 'height="22"/>')
    position = ", ".join(f"{c:.3f}" for c in detection.get("position", ()))
    return (f"<g><title>{esc(name)}: confidence {confidence:.2f}, at ({position}) m</title>"
            f"{shape}<text x=\"{label_x:.1f}\" y=\"{label_y:.1f}\">{esc(name)} "
            f"{confidence:.2f}</text></g>")


def _path_svg(points: Sequence[Sequence[float]], project: Projector) -> str:
    pixels = [p for p in (project(point) for point in points) if p is not None]
    if len(pixels) < 2:
        return ""
    line = " ".join(f"{u:.1f},{v:.1f}" for u, v in pixels)
    (u0, v0), (u1, v1) = pixels[0], pixels[-1]
    return (f'<g><title>the arm\'s path (the poses sent)</title><polyline class="path" '
            f'points="{line}"/><circle class="path" cx="{u0:.1f}" cy="{v0:.1f}" r="5"/>'
            f'<circle class="path" cx="{u1:.1f}" cy="{v1:.1f}" r="8"/></g>')


def frame_figure(path: Path | None, caption: str, detections: Sequence[dict[str, Any]] | None,
                 camera: dict[str, Any] | None,
                 arm_path: Sequence[Sequence[float]] = ()) -> str:
    """The frame with its detections labelled, or a note that it was not saved."""
    if path is None:
        return (f'<figure><div class="noframe">no frame saved</div>'
                f"<figcaption>{esc(caption)}</figcaption></figure>")
    data, width, height = read_png(path)
    project = projector(camera)
    overlay = ""
    if project is not None:
        shapes = _path_svg(arm_path, project) + "".join(
            _detection_svg(d, project) for d in detections or ())
        overlay = (f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
                   f'xmlns="http://www.w3.org/2000/svg">{shapes}</svg>')
    return (f'<figure><div class="frame"><img src="{png_data_uri(data)}" width="{width}" '
            f'height="{height}" alt="{esc(caption)}">{overlay}</div>'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def picture_figure(path: Path, caption: str) -> str:
    """A saved picture as it is (the episode strip)."""
    data, width, height = read_png(path)
    return (f'<figure class="chart"><img src="{png_data_uri(data)}" width="{width}" '
            f'height="{height}" alt="{esc(caption)}"><figcaption>{esc(caption)}</figcaption>'
            "</figure>")
