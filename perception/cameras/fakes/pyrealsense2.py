"""A fake of the parts of `pyrealsense2` (2.59) the RealSense source uses, from its documentation:
`rs.context().query_devices()` (devices: `get_info(rs.camera_info.name / serial_number)`,
`query_sensors()`, each sensor's `get_stream_profiles()`: `stream_type()`, `format()`, `fps()`,
`is_video_stream_profile()`, `as_video_stream_profile().width()/height()`), `rs.pipeline()`,
`rs.config().enable_device(serial)`, `.enable_stream(stream, width, height, format, fps)`,
`pipeline.start(config) -> pipeline_profile` (RuntimeError "No device connected" without one,
"Couldn't resolve requests" for a stream the device does not offer),
`profile.get_device().first_depth_sensor().get_depth_scale()`, `rs.align(rs.stream.color)
.process(frames)`, `pipeline.wait_for_frames(timeout_ms)` (RuntimeError "Frame didn't arrive
within ..."), `frameset.get_color_frame()` / `get_depth_frame()` (falsy when missing),
`frame.get_data()` (a buffer for numpy), `frame.get_timestamp()` (milliseconds),
`pipeline.stop()`.

`FakeRealSense(frames, model="D435")` stands in for the module: a D435 or D455 offering the
stream profiles of `realsense_profiles` (the datasheet's). `frames()` returns the scene the
camera sees: (bgr uint8 HxWx3, depth uint16 HxW in depth units, registered to the colour image).
The depth stream delivers it at the depth profile's size (nearest pixel, as if both sensors
shared one view); `align` resamples it to the colour frame's size, as `rs.align` registers depth
to colour.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import numpy as np

from perception.cameras.fakes.realsense_profiles import MODELS, Profiles

FrameMaker = Callable[[], tuple[np.ndarray, np.ndarray]]


class stream(enum.Enum):  # noqa: N801 - pyrealsense2's names
    depth = 1
    color = 2


class format(enum.Enum):  # noqa: N801, A001
    z16 = 1
    bgr8 = 6
    rgb8 = 5


class camera_info(enum.Enum):  # noqa: N801
    name = 0
    serial_number = 1


class config:  # noqa: N801
    def __init__(self) -> None:
        self.streams: dict[stream, tuple[int, int, format, int]] = {}
        self.device: str | None = None

    def enable_device(self, serial: str) -> None:
        self.device = serial

    def enable_stream(self, kind: stream, width: int, height: int, fmt: format,
                      fps: int) -> None:
        self.streams[kind] = (width, height, fmt, fps)


class _StreamProfile:
    def __init__(self, kind: stream, fmt: format, size: tuple[int, int], fps: int) -> None:
        self._kind, self._format, self._size, self._fps = kind, fmt, size, fps

    def stream_type(self) -> stream:
        return self._kind

    def format(self) -> format:
        return self._format

    def fps(self) -> int:
        return self._fps

    def is_video_stream_profile(self) -> bool:
        return True

    def as_video_stream_profile(self) -> _StreamProfile:
        return self

    def width(self) -> int:
        return self._size[0]

    def height(self) -> int:
        return self._size[1]


class _Sensor:
    def __init__(self, profiles: list[_StreamProfile], depth_scale: float = 0.0) -> None:
        self._profiles, self._scale = profiles, depth_scale

    def get_stream_profiles(self) -> list[_StreamProfile]:
        return list(self._profiles)

    def get_depth_scale(self) -> float:
        return self._scale


def _profiles(kind: stream, formats: tuple[format, ...], table: Profiles) -> list[_StreamProfile]:
    return [_StreamProfile(kind, fmt, size, fps) for size, rates in table.items()
            for fps in rates for fmt in formats]


class _Device:
    def __init__(self, model: str, depth_scale: float) -> None:
        depth, color = MODELS[model]
        self.model = model
        self._depth = _Sensor(_profiles(stream.depth, (format.z16,), depth), depth_scale)
        self._color = _Sensor(_profiles(stream.color, (format.bgr8, format.rgb8), color))

    def get_info(self, info: camera_info) -> str:
        return f"Intel RealSense {self.model}" if info is camera_info.name else "000000000001"

    def query_sensors(self) -> list[_Sensor]:
        return [self._depth, self._color]

    def first_depth_sensor(self) -> _Sensor:
        return self._depth

    def offers(self, kind: stream, width: int, height: int, fmt: format, fps: int) -> bool:
        sensor = self._depth if kind is stream.depth else self._color
        return any((p.stream_type(), p.width(), p.height(), p.format(), p.fps())
                   == (kind, width, height, fmt, fps) for p in sensor.get_stream_profiles())


class _Context:
    def __init__(self, device: _Device | None) -> None:
        self._device = device

    def query_devices(self) -> list[_Device]:
        return [self._device] if self._device is not None else []


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


class _Profile:
    def __init__(self, device: _Device) -> None:
        self._device = device

    def get_device(self) -> _Device:
        return self._device


def _resample(image: np.ndarray, width: int, height: int) -> np.ndarray:
    rows = np.arange(height) * image.shape[0] // height
    cols = np.arange(width) * image.shape[1] // width
    return np.ascontiguousarray(image[rows][:, cols])


class align:  # noqa: N801
    def __init__(self, to: stream) -> None:
        self.to = to

    def process(self, frames: _Frameset) -> _Frameset:
        color, depth = frames.get_color_frame(), frames.get_depth_frame()
        if not (color and depth):
            return frames
        height, width = np.asarray(color.get_data()).shape[:2]
        registered = _resample(np.asarray(depth.get_data()), width, height)
        return _Frameset(color, _Frame(registered, depth.get_timestamp()))


class FakeRealSense:
    """The module: `sdk.context()`, `sdk.pipeline()`, `sdk.config()`, `sdk.stream`,
    `sdk.format`, `sdk.camera_info`, `sdk.align`. `configs` holds every config started."""

    stream = stream
    format = format
    camera_info = camera_info
    config = config
    align = align

    def __init__(self, frames: FrameMaker | None = None, depth_scale: float = 0.001,
                 frames_before_timeout: int | None = None, model: str = "D435") -> None:
        self.frames, self.depth_scale = frames, depth_scale
        self.frames_before_timeout = frames_before_timeout
        self.device = _Device(model, depth_scale) if frames is not None else None
        self.started = self.stopped = 0
        self.configs: list[config] = []

    def context(self) -> _Context:
        return _Context(self.device)

    def pipeline(self) -> _Pipeline:
        return _Pipeline(self)


class _Pipeline:
    def __init__(self, sdk: FakeRealSense) -> None:
        self.sdk, self.running, self.count = sdk, False, 0
        self.sizes: dict[stream, tuple[int, int]] = {}

    def start(self, cfg: config | None = None) -> _Profile:
        device = self.sdk.device
        if device is None:
            raise RuntimeError("No device connected")
        for kind, (width, height, fmt, fps) in (cfg.streams.items() if cfg else ()):
            if not device.offers(kind, width, height, fmt, fps):
                raise RuntimeError("Couldn't resolve requests")
            self.sizes[kind] = (width, height)
        self.running = True
        self.sdk.started += 1
        if cfg is not None:
            self.sdk.configs.append(cfg)
        return _Profile(device)

    def wait_for_frames(self, timeout_ms: int = 5000) -> _Frameset:
        if not self.running:
            raise RuntimeError("wait_for_frames cannot be called before start()")
        limit = self.sdk.frames_before_timeout
        if limit is not None and self.count >= limit:
            raise RuntimeError(f"Frame didn't arrive within {timeout_ms}")
        assert self.sdk.frames is not None
        bgr, depth = self.sdk.frames()
        self.count += 1
        timestamp = 1000.0 * self.count / 30.0
        bgr, depth = np.ascontiguousarray(bgr, np.uint8), np.ascontiguousarray(depth, np.uint16)
        if stream.color in self.sizes:
            bgr = _resample(bgr, *self.sizes[stream.color])
        if stream.depth in self.sizes:
            depth = _resample(depth, *self.sizes[stream.depth])
        return _Frameset(_Frame(bgr, timestamp),
                         _Frame(depth if stream.depth in self.sizes else None, timestamp))

    def stop(self) -> None:
        self.running = False
        self.sdk.stopped += 1
