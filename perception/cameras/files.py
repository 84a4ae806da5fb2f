"""`camera=files`: a directory of recorded frames, replayed in name order (for replay and tests).

Each frame is an RGB image `<stem>.png` (or .jpg); its depth, when recorded, is
`<stem>_depth_mm.png` (16-bit millimetres), the layout a run directory's `frames/` has.
`use_depth: false` withholds the depth (an RGB-only camera). After the last frame the source
holds it (`loop: true` starts over).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from perception.cameras.base import (
    CameraUnavailable,
    calibrated_frame,
    read_image,
    require_calibration,
)
from perception.types import Frame

DEPTH_SUFFIX = "_depth_mm"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class FilesCamera:
    def __init__(self, directory: str | Path, calibration: str | Path | None = None,
                 name: str = "files", use_depth: bool = True, loop: bool = False) -> None:
        self.directory = Path(directory)
        self.calibration = require_calibration(calibration, f"files ({self.directory})")
        if not self.directory.is_dir():
            raise CameraUnavailable(f"camera files: no directory {self.directory}")
        self.images = sorted(path for path in self.directory.iterdir()
                             if path.suffix.lower() in IMAGE_SUFFIXES
                             and not path.stem.endswith(DEPTH_SUFFIX))
        if not self.images:
            raise CameraUnavailable(f"camera files: no .png or .jpg frames in {self.directory}")
        self.name, self.use_depth, self.loop = name, use_depth, loop
        self.index = 0

    def read(self) -> Frame:
        path = self.images[min(self.index, len(self.images) - 1)]
        self.index = (self.index + 1) % len(self.images) if self.loop else self.index + 1
        size = self.calibration.image_size
        bgr = read_image(path, size, cv2.IMREAD_COLOR, self.name)
        return calibrated_frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self._depth(path),
                                self.calibration, self.name, timestamp=path.stat().st_mtime)

    def _depth(self, image: Path) -> np.ndarray | None:
        path = image.with_name(image.stem + DEPTH_SUFFIX + ".png")
        if not self.use_depth or not path.exists():
            return None
        depth_mm = read_image(path, self.calibration.image_size, cv2.IMREAD_UNCHANGED,
                              self.name)
        if depth_mm.dtype != np.uint16 or depth_mm.ndim != 2:
            raise CameraUnavailable(f"camera files: {path} is not a 16-bit depth image")
        depth = depth_mm.astype(np.float32) / 1000.0
        depth[depth_mm == 0] = np.nan
        return depth

    def close(self) -> None:
        pass
