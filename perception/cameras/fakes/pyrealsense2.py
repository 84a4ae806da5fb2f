"""A fake of the parts of `pyrealsense2` the RealSense source uses, from its documentation:
`rs.pipeline()`, `rs.config().enable_stream(stream, width, height, format, fps)`,
`pipeline.start(config) -> pipeline_profile` (RuntimeError "No device connected" without one),
`profile.get_device().first_depth_sensor().get_depth_scale()`, `rs.align(rs.stream.color)
.process(frames)`, `pipeline.wait_for_frames(timeout_ms)` (RuntimeError "Frame didn't arrive
within ..."), `frameset.get_color_frame()` / `get_depth_frame()` (falsy when missing),
`frame.get_data()` (a buffer for numpy), `frame.get_timestamp()` (milliseconds),
`pipeline.stop()`.

`FakeRealSense(frames)` stands in for the module: `frames()` returns the next (bgr uint8 HxWx3,
depth uint16 HxW in depth units), already aligned to colour (the fake's `align` passes through).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import numpy as np

FrameMaker = Callable[[], tuple[np.ndarray, np.ndarray]]


class stream(enum.Enum):  # noqa: N801 - pyrealsense2's names
    depth = 1
    color = 2


class format(enum.Enum):  # noqa: N801, A001
    z16 = 1
    bgr8 = 6
    rgb8 = 5


class config:  # noqa: N801
    def __init__(self) -> None:
        self.streams: dict[stream, tuple[int, int, format, int]] = {}

    def enable_stream(self, kind: stream, width: int, height: int, fmt: format,
                      fps: int) -> None:
        self.streams[kind] = (width, height, fmt, fps)


class _Frame:
    def __init__(self, data: np.ndarray | None, timestamp_ms: float) -> None:
        self._data, self._timestamp = data, timestamp_ms

    def __bool__(self) -> bool:
        return self._data is not None

    def get_data(self) -> memoryview:
        return memoryview(self._data)

    def get_timestamp(self) -> float:
        return self._timestamp


class _Frameset:
    def __init__(self, color: _Frame, depth: _Frame) -> None:
        self._color, self._depth = color, depth

    def get_color_frame(self) -> _Frame:
        return self._color

    def get_depth_frame(self) -> _Frame:
        return self._depth


class _DepthSensor:
    def __init__(self, scale: float) -> None:
        self._scale = scale

    def get_depth_scale(self) -> float:
        return self._scale


class _Device:
    def __init__(self, scale: float) -> None:
        self._sensor = _DepthSensor(scale)

    def first_depth_sensor(self) -> _DepthSensor:
        return self._sensor


class _Profile:
    def __init__(self, scale: float) -> None:
        self._device = _Device(scale)

    def get_device(self) -> _Device:
        return self._device


class align:  # noqa: N801
    def __init__(self, to: stream) -> None:
        self.to = to

    def process(self, frames: _Frameset) -> _Frameset:
        return frames  # the fake's depth is aligned to colour already


class FakeRealSense:
    """The module: `sdk.pipeline()`, `sdk.config()`, `sdk.stream`, `sdk.format`, `sdk.align`."""

    stream = stream
    format = format
    config = config
    align = align

    def __init__(self, frames: FrameMaker | None = None, depth_scale: float = 0.001,
                 frames_before_timeout: int | None = None) -> None:
        self.frames, self.depth_scale = frames, depth_scale
        self.frames_before_timeout = frames_before_timeout
        self.started = self.stopped = 0

    def pipeline(self) -> _Pipeline:
        return _Pipeline(self)


class _Pipeline:
    def __init__(self, sdk: FakeRealSense) -> None:
        self.sdk, self.running, self.count = sdk, False, 0

    def start(self, cfg: config | None = None) -> _Profile:
        if self.sdk.frames is None:
            raise RuntimeError("No device connected")
        for kind, (_, _, fmt, _) in (cfg.streams.items() if cfg else ()):
            if (kind, fmt) not in ((stream.depth, format.z16), (stream.color, format.bgr8),
                                   (stream.color, format.rgb8)):
                raise RuntimeError("Couldn't resolve requests")
        self.running = True
        self.sdk.started += 1
        return _Profile(self.sdk.depth_scale)

    def wait_for_frames(self, timeout_ms: int = 5000) -> _Frameset:
        if not self.running:
            raise RuntimeError("wait_for_frames cannot be called before start()")
        limit = self.sdk.frames_before_timeout
        if limit is not None and self.count >= limit:
            raise RuntimeError(f"Frame didn't arrive within {timeout_ms}")
        bgr, depth = self.sdk.frames()
        self.count += 1
        timestamp = 1000.0 * self.count / 30.0
        return _Frameset(_Frame(np.ascontiguousarray(bgr, np.uint8), timestamp),
                         _Frame(np.ascontiguousarray(depth, np.uint16), timestamp))

    def stop(self) -> None:
        self.running = False
        self.sdk.stopped += 1
