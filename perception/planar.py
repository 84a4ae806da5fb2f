"""Blocks and bowls from one RGB frame without depth: pixel rays meet the table plane (z = 0)
at the height each kind of object is known to have.

1. every pixel's ray meets the table; pixels landing in the workspace (plus a margin) and
   matching a palette colour are foreground;
2. per colour, connected regions; one whose footprint on the table is bowl-sized is a bowl,
   one about a block face in size a block;
3. a block's top face is the brightest part of its region (lit from above; its sides are darker);
   its pixels' rays meet the plane z = block_size at the face itself, whose centre is the block's
   (minus half a block in z). A block standing in a bowl is placed again on the bowl's floor;
4. a bowl's outline is its rim, seen from above: the outline's rays meet the plane
   z = bowl_height, a circle fitted there gives the centre (on the table, z = 0).

Objects are assumed to stand on the table (or a bowl's floor): a stack is not told apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from perception.color import ColorClassifier
from perception.detector import sort_detections
from perception.geometry import components, fill_holes, fit_circle
from perception.hsv import HSVColorClassifier
from perception.types import Detection, Frame

if TYPE_CHECKING:
    from perception.opencv_config import OpenCVDetectorConfig

TOP_FACE_BRIGHTNESS = 0.85  # of the region's brightest pixels: still the top face


class PlanarPlacer:
    """The RGB-only path of the OpenCV detector (`config`: its OpenCVDetectorConfig)."""

    def __init__(self, config: OpenCVDetectorConfig,
                 colors: ColorClassifier | HSVColorClassifier) -> None:
        self.config, self.colors = config, colors

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        height, width = frame.size
        rows, cols = np.indices((height, width))
        table = frame.on_plane(rows.ravel(), cols.ravel(), 0.0).reshape(height, width, 3)
        pixel_area = _pixel_area(table)
        masks = self._color_masks(frame, table)
        bowls: list[Detection] = []
        regions: list[tuple[str, np.ndarray]] = []
        for color, mask in masks.items():
            for part in components(mask, self.config.min_pixels):
                footprint = float(np.nansum(pixel_area[fill_holes(part)]))
                if self.config.min_bowl_area <= footprint <= self.config.max_bowl_area:
                    bowl = self._bowl(color, part, frame)
                    if bowl is not None:
                        bowls.append(bowl)
                elif 0.3 * self.config.block_size ** 2 <= footprint < self.config.min_bowl_area:
                    regions.append((color, part))
        blocks = [block for color, part in regions
                  if (block := self._block(color, part, frame, bowls)) is not None]
        return sort_detections(blocks + bowls)

    def _color_masks(self, frame: Frame, table: np.ndarray) -> dict[str, np.ndarray]:
        x_min, x_max, y_min, y_max = self.config.workspace_bounds
        m = self.config.workspace_margin
        with np.errstate(invalid="ignore"):
            inside = ((table[..., 0] > x_min - m) & (table[..., 0] < x_max + m)
                      & (table[..., 1] > y_min - m) & (table[..., 1] < y_max + m))
        labels = np.full(inside.shape, -1, dtype=np.int32)
        if inside.any():
            labels[inside], _ = self.colors.classify(frame.rgb[inside])
        present = np.unique(labels[labels >= 0])
        return {self.colors.names[i]: labels == i for i in present}

    def _block(self, color: str, part: np.ndarray, frame: Frame,
               bowls: list[Detection]) -> Detection | None:
        size = self.config.block_size
        brightness = frame.rgb[part].astype(np.float64).sum(axis=1)
        bright = np.zeros(part.shape, bool)
        bright[part] = brightness >= TOP_FACE_BRIGHTNESS * np.percentile(brightness, 95)
        faces = components(bright, max(1, self.config.min_pixels // 2))
        if not faces:
            return None
        top = max(faces, key=np.count_nonzero)
        base_z = 0.0
        centre, area = _face_on_plane(frame, top, size)
        below = next((b for b in bowls if np.hypot(centre[0] - b.position[0],
                                                   centre[1] - b.position[1])
                      < self.config.bowl_radius_range[1] * 0.6), None)
        if below is not None:  # standing on the bowl's floor
            base_z = self.config.bowl_floor_height
            centre, area = _face_on_plane(frame, top, base_z + size)
        if not 0.3 * size ** 2 <= area <= 1.6 * size ** 2:
            return None
        size_score = min(area / size ** 2, size ** 2 / area)
        confidence = float(np.clip(0.5 + 0.5 * size_score, 0.0, 1.0))
        return Detection(color, "block", (float(centre[0]), float(centre[1]),
                                          base_z + size / 2), round(confidence, 3))

    def _bowl(self, color: str, part: np.ndarray, frame: Frame) -> Detection | None:
        outline = fill_holes(part)
        contours, _ = cv2.findContours(outline.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_NONE)
        edge = np.concatenate([c.reshape(-1, 2) for c in contours])
        rim = frame.on_plane(edge[:, 1], edge[:, 0], self.config.bowl_height)
        rim = rim[np.isfinite(rim[:, 0])]
        cx, cy, radius, residual = fit_circle(rim[:, 0], rim[:, 1])
        r_min, r_max = self.config.bowl_radius_range
        if not r_min <= radius <= r_max:
            return None
        fit_score = float(np.clip(1.0 - residual / 0.005, 0.0, 1.0))
        return Detection(color, "bowl", (cx, cy, 0.0), round(0.6 + 0.4 * fit_score, 3))


def _face_on_plane(frame: Frame, face: np.ndarray, z: float) -> tuple[np.ndarray, float]:
    """Centre (x, y) and area of the face's pixels placed on the plane at height z."""
    rows, cols = np.nonzero(face)
    points = frame.on_plane(rows, cols, z)
    corners = [frame.on_plane(rows + dr, cols + dc, z) for dr, dc in ((0.5, 0), (0, 0.5))]
    pixel_sizes = [np.linalg.norm(c - points, axis=1) * 2 for c in corners]
    area = float(np.nansum(pixel_sizes[0] * pixel_sizes[1]))
    return np.nanmean(points[:, :2], axis=0), area


def _pixel_area(points: np.ndarray) -> np.ndarray:
    """About the area (m^2) each pixel covers on the plane its points lie on."""
    dy = np.linalg.norm(np.gradient(points, axis=0), axis=2)
    dx = np.linalg.norm(np.gradient(points, axis=1), axis=2)
    return dx * dy
