"""`camera=realsense`: an Intel RealSense through `pyrealsense2` (pip install
'stackbot[realsense]'): colour and depth aligned to colour, placed by the calibration file.

Colour streams at the calibration's image size, which the device must offer at `fps` (a D455
has no 1920x1080 colour: one line says which sizes it has). Depth streams at a size the device
offers, not necessarily the colour's (a D4xx has no 1080p depth): the one of the nearest shape,
then the nearest number of pixels, at the same frame rate; `rs.align` then registers it to the
colour image. Tested only against `perception.cameras.fakes.pyrealsense2`, written from the
SDK's docs, with the D435's and D455's stream profiles from the datasheet."""

from __future__ import annotations

import importlib
import math
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
        device = self._device()
        offered = _offered(device, self.rs)
        model = device.get_info(self.rs.camera_info.name)
        if (self.rs.stream.color, width, height, fps) not in offered:
            sizes = sorted({(w, h) for kind, w, h, f in offered
                            if kind == self.rs.stream.color and f == fps}, reverse=True)
            raise CameraUnavailable(
                f"camera realsense: the {model} has no {width}x{height} colour stream at {fps} "
                f"fps (it has {', '.join(f'{w}x{h}' for w, h in sizes)}): calibrate at one of "
                "those sizes")
        config = self.rs.config()
        config.enable_device(device.get_info(self.rs.camera_info.serial_number))
        config.enable_stream(self.rs.stream.color, width, height, self.rs.format.bgr8, fps)
        self.depth_size: tuple[int, int] | None = None
        if use_depth:
            self.depth_size = nearest_size((width, height), [
                (w, h) for kind, w, h, f in offered if kind == self.rs.stream.depth and f == fps])
            if self.depth_size is None:
                raise CameraUnavailable(f"camera realsense: the {model} has no depth stream at "
                                        f"{fps} fps")
            config.enable_stream(self.rs.stream.depth, *self.depth_size, self.rs.format.z16, fps)
        self.pipeline = self.rs.pipeline()
        try:
            profile = self.pipeline.start(config)
        except RuntimeError as error:
            raise CameraUnavailable(f"camera realsense: cannot start ({error})") from None
        self.depth_scale = float(profile.get_device().first_depth_sensor().get_depth_scale())
        self.align = self.rs.align(self.rs.stream.color)

    def _device(self) -> Any:
        devices = list(self.rs.context().query_devices())
        if not devices:
            raise CameraUnavailable("camera realsense: cannot start (No device connected)")
        return devices[0]

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


def _offered(device: Any, rs: Any) -> set[tuple[Any, int, int, int]]:
    """(stream, width, height, fps) of every video profile the device offers in the formats
    this source asks for (bgr8 colour, z16 depth)."""
    wanted = {rs.stream.color: rs.format.bgr8, rs.stream.depth: rs.format.z16}
    offered = set()
    for sensor in device.query_sensors():
        for profile in sensor.get_stream_profiles():
            kind = profile.stream_type()
            if profile.is_video_stream_profile() and wanted.get(kind) == profile.format():
                video = profile.as_video_stream_profile()
                offered.add((kind, video.width(), video.height(), profile.fps()))
    return offered


def nearest_size(size: tuple[int, int], offered: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The offered size nearest `size`: the nearest shape first (the log of the ratio of aspect
    ratios, in steps of 0.1), then the nearest number of pixels (the larger on a tie)."""
    width, height = size

    def distance(candidate: tuple[int, int]) -> tuple[float, float, int]:
        w, h = candidate
        shape = round(abs(math.log((w / h) / (width / height))) / 0.1) * 0.1
        return shape, abs(math.log((w * h) / (width * height))), -w * h

    return min(offered, key=distance, default=None)
