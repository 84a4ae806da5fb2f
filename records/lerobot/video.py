"""A camera's frames as one episode's video (PyAV: H.264 in MP4, yuv420p, a key frame every 2
frames as lerobot writes them, so any frame decodes quickly), encoded as they arrive; and each
channel's statistics in [0, 1] on the way (the dataset's image stats)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from records.lerobot.format import RunningStats

CODEC = "libx264"
CODEC_NAME = "h264"  # as lerobot's get_video_info names it
PIX_FMT = "yuv420p"
OPTIONS = {"g": "2", "crf": "23", "preset": "fast"}
STATS_STRIDE = 4  # every 4th pixel each way goes into the image stats


class VideoEncoder:
    """`add(rgb)` frame after frame (H x W x 3, uint8, of the size given), `close()` at the
    end. Frame k is shown at k / fps seconds."""

    def __init__(self, path: Path, fps: int, width: int, height: int) -> None:
        import av  # the `lerobot` extra; imported when an export is asked for

        if width % 2 or height % 2:
            raise ValueError(f"video frames need an even width and height, got {width}x{height}")
        self.path, self.fps, self.width, self.height = Path(path), fps, width, height
        self._container = av.open(str(self.path), mode="w")
        self._stream = self._container.add_stream(CODEC, rate=fps, options=dict(OPTIONS))
        self._stream.width, self._stream.height, self._stream.pix_fmt = width, height, PIX_FMT
        self._stream.codec_context.time_base = Fraction(1, fps)
        self._av = av
        self.frames = 0
        self.stats = RunningStats()

    def add(self, rgb: np.ndarray) -> None:
        if rgb.shape != (self.height, self.width, 3):
            raise ValueError(f"frame of shape {rgb.shape}, the video is "
                             f"{self.height}x{self.width}x3")
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self.frames
        frame.time_base = Fraction(1, self.fps)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1
        pixels = rgb[::STATS_STRIDE, ::STATS_STRIDE].reshape(-1, 3).astype(np.float64) / 255.0
        self.stats.add_sums(1, pixels.mean(0), (pixels ** 2).mean(0), pixels.min(0),
                            pixels.max(0))

    def close(self) -> dict[str, Any]:
        """Flush and close; the video's `info` as lerobot's info.json holds it."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        return video_info(self.fps, self.width, self.height)

    def abort(self) -> None:
        """Close without caring for the file (an episode that is not kept)."""
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - a broken stream is what is being thrown away
            pass


def video_info(fps: int, width: int, height: int) -> dict[str, Any]:
    return {"video.height": height, "video.width": width, "video.codec": CODEC_NAME,
            "video.pix_fmt": PIX_FMT, "video.is_depth_map": False, "video.fps": fps,
            "video.channels": 3, "has_audio": False}
