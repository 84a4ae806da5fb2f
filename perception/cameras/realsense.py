"""`camera=realsense`: an Intel RealSense through `pyrealsense2` (pip install
'stackbot[realsense]'): colour and depth aligned to colour, placed by the calibration file.
Tested only against `perception.cameras.fakes.pyrealsense2`, written from the SDK's docs."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from perception.cameras.base import CameraUnavailable, calibrated_frame, require_calibration
from perception.types import Frame


def _import_sdk() -> Any:
    try:
        return importlib.import_module("pyrealsense2")
    except ImportError:
        raise CameraUnavailable("camera realsense: pyrealsense2 is not installed (pip install "
                                "'stackbot[realsense]')") from None


class RealSenseCamera:
    """`sdk`: the pyrealsense2 module (None: import it; tests pass the fake)."""

    def __init__(self, calibration: str | None = None, name: str = "realsense", fps: int = 30,
                 use_depth: bool = True, timeout_ms: int = 5000, sdk: Any = None) -> None:
        self.calibration = require_calibration(calibration, "realsense")
        self.rs = sdk if sdk is not None else _import_sdk()
        self.name, self.use_depth, self.timeout_ms = name, use_depth, timeout_ms
        width, height = self.calibration.image_size
        config = self.rs.config()
        config.enable_stream(self.rs.stream.color, width, height, self.rs.format.bgr8, fps)
        if use_depth:
            config.enable_stream(self.rs.stream.depth, width, height, self.rs.format.z16, fps)
        self.pipeline = self.rs.pipeline()
        try:
            profile = self.pipeline.start(config)
        except RuntimeError as error:
            raise CameraUnavailable(f"camera realsense: cannot start ({error})") from None
        self.depth_scale = float(profile.get_device().first_depth_sensor().get_depth_scale())
        self.align = self.rs.align(self.rs.stream.color)

    def read(self) -> Frame:
        try:
            frames = self.align.process(self.pipeline.wait_for_frames(self.timeout_ms))
        except RuntimeError as error:
            raise CameraUnavailable(f"camera realsense: no frame ({error})") from None
        color = frames.get_color_frame()
        if not color:
            raise CameraUnavailable("camera realsense: a frameset without colour")
        bgr = np.asanyarray(color.get_data())
        depth = None
        if self.use_depth:
            depth_frame = frames.get_depth_frame()
            if not depth_frame:
                raise CameraUnavailable("camera realsense: a frameset without depth")
            raw = np.asanyarray(depth_frame.get_data())
            depth = raw.astype(np.float32) * self.depth_scale
            depth[raw == 0] = np.nan  # no depth measured there
        return calibrated_frame(np.ascontiguousarray(bgr[:, :, ::-1]), depth, self.calibration,
                                self.name, timestamp=color.get_timestamp() / 1000.0)

    def close(self) -> None:
        self.pipeline.stop()
