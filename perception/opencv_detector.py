"""Blocks and bowls from one RGB-D frame: height above the table, colour, shape, depth (an
RGB-only frame, without depth, goes to `perception.planar`).

Only the frame is used (pixels, depth, intrinsics, camera pose), never simulator state:

1. back-project every pixel; foreground = higher than `min_height` above the table (z = 0), lower
   than `max_height`, inside the workspace plus a margin;
2. label foreground pixels with the nearest palette colour (shading-invariant chromaticity);
3. blocks: per colour, flat horizontal patches about one block face in size and square, high
   enough to be a block's top. Position = centre of the top face, minus half a block in z. This also
   finds a block inside a bowl of its own colour and the top block of a stack;
4. bowls: per colour, what is left after removing the blocks (and their visible sides); a component
   with a bowl-sized footprint is a bowl. A horizontal slice of a round bowl is a circle around its
   axis, so a circle is fitted to the rim pixels (its highest ring, seen from above), never to the
   visible inner wall; the position is the circle centre on the table (z = 0);
5. a block hidden under another (a stack) shows only as thin strips of its sides below the upper
   block: such a strip is reported as a block under the upper one, with low confidence.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from perception.color import ColorClassifier
from perception.detector import sort_detections
from perception.geometry import (
    WorldMaps,
    components,
    dilate,
    fill_holes,
    fit_circle,
    flat_pixels,
    rect_sides,
)
from perception.hsv import HSVColorClassifier
from perception.opencv_config import OpenCVDetectorConfig
from perception.planar import PlanarPlacer
from perception.types import Detection, Frame


class OpenCVDetector:
    """Colour + shape + depth detector for the tabletop (see the module docstring);
    `OpenCVDetector(OpenCVDetectorConfig(min_height=0.005))` to change a threshold. Thresholds
    given as keyword arguments (`+perception.min_height=...`) still work, with a deprecation
    warning, until the next release. `colors`: a file of HSV ranges (perception.hsv) in place of
    the palette, for a real camera."""

    def __init__(self, config: OpenCVDetectorConfig | None = None, colors: str | None = None,
                 **thresholds: Any) -> None:
        config = config or OpenCVDetectorConfig()
        if thresholds:
            warnings.warn(f"OpenCVDetector({', '.join(thresholds)}=...) is deprecated: the "
                          "thresholds are in OpenCVDetectorConfig (perception.config.<name>=...)",
                          DeprecationWarning, stacklevel=2)
            config = replace(config, **thresholds)
        self.config = config
        c = self.config
        self.colors = (HSVColorClassifier.load(colors) if colors else
                       ColorClassifier(c.reference_colors, c.max_color_distance, c.shade_range))
        self.planar = PlanarPlacer(c, self.colors)

    def detect(self, frame: Frame) -> tuple[Detection, ...]:
        if frame.depth is None:  # an RGB-only camera: rays meet the table plane
            return self.planar.detect(frame)
        maps = WorldMaps.from_frame(frame)
        masks = self._color_masks(frame, maps)
        flat = flat_pixels(maps.z, maps.pixel_size, self.config.flat_slope)
        blocks: list[Detection] = []
        claimed: dict[str, np.ndarray] = {}
        for color, mask in masks.items():
            claimed[color] = np.zeros(mask.shape, bool)
            for face in components(flat & mask, self.config.min_pixels):
                found = self._block(color, face, mask, maps)
                if found is not None:
                    block, top = found
                    blocks.append(block)
                    claimed[color] |= dilate(top, maps.pixels(self.config.block_side_margin, top))
        bowls: list[Detection] = []
        leftovers: list[tuple[str, np.ndarray]] = []
        for color, mask in masks.items():
            for part in components(mask & ~claimed[color], self.config.min_pixels):
                footprint = maps.area(fill_holes(part))
                if self.config.min_bowl_area <= footprint <= self.config.max_bowl_area:
                    bowl = self._bowl(color, part, maps)
                    if bowl is not None:
                        bowls.append(bowl)
                elif maps.area(part) >= self.config.min_hidden_area:
                    leftovers.append((color, part))
        blocks.extend(self._hidden_blocks(leftovers, maps, blocks))
        return sort_detections(blocks + bowls)

    # -- pixels -------------------------------------------------------------------------------

    def _color_masks(self, frame: Frame, maps: WorldMaps) -> dict[str, np.ndarray]:
        x_min, x_max, y_min, y_max = self.config.workspace_bounds
        m = self.config.workspace_margin
        fg = ((maps.z > self.config.min_height) & (maps.z < self.config.max_height)
              & (maps.x > x_min - m) & (maps.x < x_max + m)
              & (maps.y > y_min - m) & (maps.y < y_max + m))
        labels = np.full(fg.shape, -1, dtype=np.int32)
        if fg.any():
            labels[fg], _ = self.colors.classify(frame.rgb[fg])
        present = np.unique(labels[labels >= 0])
        return {self.colors.names[i]: labels == i for i in present}

    # -- blocks -------------------------------------------------------------------------------

    def _block(self, color: str, face: np.ndarray, mask: np.ndarray,
               maps: WorldMaps) -> tuple[Detection, np.ndarray] | None:
        """A block whose top face contains the flat patch `face`, or None."""
        size = self.config.block_size
        area = maps.area(face)
        if not 0.3 * size ** 2 <= area <= 1.6 * size ** 2:
            return None
        top_z = float(np.median(maps.z[face]))
        if top_z < 0.75 * size:
            return None
        top = dilate(face, 2) & mask & (np.abs(maps.z - top_z) <= self.config.top_face_tolerance)
        short, long = rect_sides(maps.x[top], maps.y[top])
        if long > 1.5 * size or short < 0.5 * size:
            return None
        expected = size ** 2
        top_area = maps.area(top)
        size_score = min(top_area / expected, expected / top_area)
        square_score = short / long
        confidence = float(np.clip(0.4 + 0.3 * size_score + 0.3 * square_score, 0.0, 1.0))
        position = (float(maps.x[top].mean()), float(maps.y[top].mean()), top_z - size / 2)
        return Detection(color, "block", position, round(confidence, 3)), top

    def _hidden_blocks(self, leftovers: list[tuple[str, np.ndarray]], maps: WorldMaps,
                       blocks: list[Detection]) -> list[Detection]:
        """Blocks under other blocks, of which only strips of their sides show (`leftovers`).

        Repeated until nothing changes, so a block under a hidden block is found too.
        """
        hidden: list[Detection] = []
        pending = [(color, float(np.percentile(maps.z[part], 95)),
                    float(maps.x[part].mean()), float(maps.y[part].mean()))
                   for color, part in leftovers]
        while pending:
            still: list[tuple[str, float, float, float]] = []
            for color, top_z, cx, cy in pending:
                below = self._below(color, top_z, cx, cy, blocks + hidden)
                if below is None:
                    still.append((color, top_z, cx, cy))
                elif all(d.name != below.name or _dist(d, below) > self.config.block_size / 2
                         for d in blocks + hidden):
                    hidden.append(below)
            if len(still) == len(pending):
                break
            pending = still
        return hidden

    def _below(self, color: str, top_z: float, cx: float, cy: float,
               blocks: list[Detection]) -> Detection | None:
        """A `color` block right under one of `blocks` explaining a strip at (cx, cy, top_z)."""
        for upper in blocks:
            ux, uy, uz = upper.position
            below_z = uz - self.config.block_size  # centre of a block right under `upper`
            if (upper.color != color and below_z > 0
                    and abs(top_z - (below_z + self.config.block_size / 2)) < 0.01
                    and np.hypot(cx - ux, cy - uy) < 0.75 * self.config.block_size):
                return Detection(color, "block", (ux, uy, below_z), 0.4)
        return None

    # -- bowls --------------------------------------------------------------------------------

    def _bowl(self, color: str, part: np.ndarray, maps: WorldMaps) -> Detection | None:
        z = maps.z[part]
        rim_z = float(np.percentile(z, 97))
        rim = part & (maps.z > rim_z - self.config.rim_tolerance)
        cx, cy, radius, residual = fit_circle(maps.x[rim], maps.y[rim])
        r_min, r_max = self.config.bowl_radius_range
        if not r_min <= radius <= r_max:
            return None
        filled_area = maps.area(fill_holes(part))
        disc = np.pi * radius ** 2
        roundness = min(filled_area / disc, disc / filled_area)
        fit_score = float(np.clip(1.0 - residual / 0.005, 0.0, 1.0))
        rho = np.hypot(maps.x[part] - cx, maps.y[part] - cy)
        centre_z = z[rho < radius / 2]
        concave = centre_z.size == 0 or float(np.median(centre_z)) < rim_z - 0.005
        confidence = 0.3 + 0.3 * roundness + 0.2 * fit_score + (0.2 if concave else 0.0)
        return Detection(color, "bowl", (cx, cy, 0.0), round(float(np.clip(confidence, 0, 1)), 3))


def _dist(a: Detection, b: Detection) -> float:
    return float(np.linalg.norm(np.subtract(a.position, b.position)))
