"""A camera's calibration file: intrinsics, lens distortion and the camera's pose in the robot's
base frame (the world frame perception reports in, whose z = 0 is the table surface).

The file is YAML (`stackbot-calibrate` writes it, `camera.calibration=PATH` loads it). The
intrinsics follow OpenCV (a pixel's centre at integer coordinates); `Frame` puts a pixel's centre
at +0.5, which `frame_intrinsics` converts to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from perception.input_files import InputFileError, load_yaml_file

REQUIRED_KEYS = ("image_size", "intrinsics", "distortion", "camera_to_base")
ORTHONORMAL_TOLERANCE = 1e-4
MAX_BYTES = 1 << 20  # a calibration file is a few kilobytes
MAX_DEPTH = 6  # the mapping, notes, board_to_base, a row: 4
MAX_SIDE = 1 << 15  # pixels: an image side no camera of ours comes near


class CalibrationError(ValueError):
    """A calibration file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, eq=False)
class CameraCalibration:
    """image_size: (width, height). intrinsics: 3x3 K (OpenCV pixel convention). distortion:
    OpenCV coefficients (k1 k2 p1 p2 [k3 ...]). camera_to_base: 4x4 pose of the camera in the
    base frame (table surface at z = 0), OpenCV camera axes."""

    image_size: tuple[int, int]
    intrinsics: np.ndarray
    distortion: np.ndarray
    camera_to_base: np.ndarray
    notes: dict[str, Any] = field(default_factory=dict)  # how it was made: method, errors

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem:
            raise ValueError(problem)

    @property
    def frame_intrinsics(self) -> np.ndarray:
        """K for `Frame` (a pixel's centre at col + 0.5, row + 0.5)."""
        k = self.intrinsics.copy()
        k[0, 2] += 0.5
        k[1, 2] += 0.5
        return k

    def to_yaml(self) -> str:
        data = {
            "image_size": [int(v) for v in self.image_size],
            "intrinsics": _rows(self.intrinsics),
            "distortion": [float(v) for v in self.distortion],
            "camera_to_base": _rows(self.camera_to_base),
            "notes": self.notes,
        }
        return "# stackbot camera calibration (stackbot-calibrate)\n" + yaml.safe_dump(
            data, sort_keys=False)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_yaml())
        return path


def read_calibration_data(path: str | Path) -> dict[str, Any]:
    """The mapping in a calibration file, read as task files are (`perception.input_files`: at
    most MAX_BYTES, no aliases); CalibrationError naming the file otherwise."""
    try:
        data = load_yaml_file(path, "a calibration file", MAX_BYTES, MAX_DEPTH)
    except InputFileError as error:
        raise CalibrationError(f"calibration file {path}: {error}") from None
    if not isinstance(data, dict):
        raise CalibrationError(f"calibration file {path}: expected a mapping of keys")
    return data


def load_calibration(path: str | Path) -> CameraCalibration:
    """The calibration in `path`, or CalibrationError naming the file and what is wrong."""
    data = read_calibration_data(path)
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        hint = (" (intrinsics only: stackbot-calibrate pose or hand-eye adds it)"
                if missing == ["camera_to_base"] else "")
        raise CalibrationError(
            f"calibration file {path}: missing key(s) {', '.join(missing)}{hint}")
    notes = data.get("notes") or {}
    try:
        if not isinstance(notes, dict):
            raise ValueError(f"notes must be a mapping, got {type(notes).__name__}")
        calibration = CameraCalibration(
            image_size=image_size(data["image_size"]),
            intrinsics=np.asarray(data["intrinsics"], dtype=np.float64),
            distortion=np.asarray(data["distortion"], dtype=np.float64).ravel(),
            camera_to_base=np.asarray(data["camera_to_base"], dtype=np.float64),
            notes=dict(notes))
    except (TypeError, ValueError, OverflowError) as error:
        raise CalibrationError(f"calibration file {path}: {error}") from None
    return calibration


def image_size(value: Any) -> tuple[int, int]:
    """[width, height] in whole pixels, each 1 to MAX_SIDE."""
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_SIDE
                       for v in value)):
        raise ValueError(f"image_size must be [width, height] in whole pixels from 1 to "
                         f"{MAX_SIDE}, got {_short(value)}")
    return int(value[0]), int(value[1])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(c: CameraCalibration) -> str | None:
    if len(c.image_size) != 2 or min(c.image_size) <= 0:
        return f"image_size must be [width, height], got {list(c.image_size)}"
    k = c.intrinsics
    if k.shape != (3, 3) or not np.all(np.isfinite(k)):
        return f"intrinsics must be a finite 3x3 matrix, got shape {k.shape}"
    if k[0, 0] <= 0 or k[1, 1] <= 0 or k[1, 0] or k[2, 0] or k[2, 1] or k[2, 2] != 1:
        return "intrinsics must be [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0"
    if c.distortion.size not in (4, 5, 8, 12, 14) or not np.all(np.isfinite(c.distortion)):
        return f"distortion must be 4, 5, 8, 12 or 14 OpenCV coefficients, got {c.distortion}"
    pose = c.camera_to_base
    if pose.shape != (4, 4) or not np.all(np.isfinite(pose)):
        return f"camera_to_base must be a finite 4x4 matrix, got shape {pose.shape}"
    if not np.allclose(pose[3], [0, 0, 0, 1]):
        return f"camera_to_base's last row must be [0, 0, 0, 1], got {pose[3].tolist()}"
    rotation = pose[:3, :3]
    error = float(np.abs(rotation.T @ rotation - np.eye(3)).max())
    if error > ORTHONORMAL_TOLERANCE or np.linalg.det(rotation) < 0:
        return (f"camera_to_base's rotation is not orthonormal with determinant +1 "
                f"(|R^T R - I| = {error:.2g}, det = {np.linalg.det(rotation):.3f})")
    return None


def _rows(matrix: np.ndarray) -> list[list[float]]:
    return [[float(v) for v in row] for row in matrix]
