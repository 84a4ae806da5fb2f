"""The camera seam: a source that yields `Frame`s, and what every real source shares (opening
errors, the calibration that places its pixels, undistortion)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
from PIL import JpegImagePlugin, PngImagePlugin

from perception.cameras.calibration import CameraCalibration, load_calibration
from perception.types import Frame


class CameraUnavailable(ValueError):
    """A camera source that cannot be opened or read (the message is one line for the user)."""


@runtime_checkable
class CameraSource(Protocol):
    """Anything that yields frames: `read()` the newest one, `close()` when done."""

    def read(self) -> Frame: ...

    def close(self) -> None: ...


def require_calibration(path: str | Path | None, source: str) -> CameraCalibration:
    """The calibration a real camera needs to place its pixels in the robot's base frame."""
    if path is None or str(path) in ("", "None", "null"):
        raise CameraUnavailable(f"camera {source}: needs camera.calibration=PATH (a file "
                                "stackbot-calibrate wrote): without it its pixels have no place "
                                "in the arm's frame")
    return load_calibration(path)


def read_image(path: Path, size: tuple[int, int], flags: int, name: str) -> np.ndarray:
    """The PNG or JPEG image in `path` (cv2.imread `flags`), decoded only once its header says
    it is `size` (width, height): a file of a few kilobytes can claim an image of gigabytes."""
    width, height = size
    try:
        found = _header_size(path)
    except (OSError, SyntaxError, ValueError) as error:
        raise CameraUnavailable(f"camera {name}: cannot read {path} ({error})") from None
    if found != (width, height):
        raise CameraUnavailable(f"camera {name}: {path} is {found[0]}x{found[1]} but the "
                                f"calibration is for {width}x{height}")
    image = cv2.imread(str(path), flags)
    if image is None:
        raise CameraUnavailable(f"camera {name}: cannot read {path}")
    return image


def _header_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file's header alone (Pillow's format readers parse only that,
    and unlike `Image.open` do not refuse a large claim before saying what it is)."""
    for reader in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        try:
            with reader(path) as header:
                return header.size
        except SyntaxError:  # Pillow's "not this format"
            continue
    raise ValueError("not a PNG or JPEG image")


def calibrated_frame(rgb: np.ndarray, depth: np.ndarray | None, calibration: CameraCalibration,
                     name: str, timestamp: float = 0.0) -> Frame:
    """A Frame from an RGB image (and depth aligned to it, metres) taken by the calibrated
    camera: undistorted when the lens has distortion, so the pinhole K holds."""
    width, height = calibration.image_size
    if rgb.shape[:2] != (height, width):
        raise CameraUnavailable(f"camera {name}: image is {rgb.shape[1]}x{rgb.shape[0]} but the "
                                f"calibration is for {width}x{height}")
    if np.any(calibration.distortion):
        maps = cv2.initUndistortRectifyMap(calibration.intrinsics, calibration.distortion, None,
                                           calibration.intrinsics, (width, height), cv2.CV_32FC1)
        rgb = cv2.remap(rgb, *maps, cv2.INTER_LINEAR)
        if depth is not None:
            depth = cv2.remap(depth, *maps, cv2.INTER_NEAREST)
    return Frame(rgb=np.ascontiguousarray(rgb), depth=depth,
                 intrinsics=calibration.frame_intrinsics,
                 camera_to_world=calibration.camera_to_base.copy(), camera_name=name,
                 timestamp=float(timestamp))
