"""`camera=opencv`: any `cv2.VideoCapture` source (a device index, a video file, an RTSP or HTTP
URL), RGB only; placed in the world by its calibration file."""

from __future__ import annotations

import time

import cv2

from perception.cameras.base import CameraUnavailable, calibrated_frame, require_calibration
from perception.types import Frame


class OpenCVCamera:
    def __init__(self, source: int | str = 0, calibration: str | None = None,
                 name: str = "opencv", loop: bool = False) -> None:
        self.source = int(source) if str(source).isdigit() else str(source)
        self.calibration = require_calibration(calibration, f"opencv ({self.source})")
        self.name, self.loop = name, loop
        level = cv2.utils.logging.getLogLevel()  # OpenCV would print ten lines of why not
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            self.capture = cv2.VideoCapture(self.source)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not self.capture.isOpened():
            raise CameraUnavailable(f"camera opencv: cannot open {self.source!r} "
                                    "(a device index, a video file or a stream URL)")
        width, height = self.calibration.image_size
        if isinstance(self.source, int):  # a device: ask for the calibrated size
            self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def read(self) -> Frame:
        ok, bgr = self.capture.read()
        if not ok and self.loop:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = self.capture.read()
        if not ok:
            raise CameraUnavailable(f"camera opencv: no frame from {self.source!r}")
        return calibrated_frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), None, self.calibration,
                                self.name, timestamp=time.time())

    def close(self) -> None:
        self.capture.release()
