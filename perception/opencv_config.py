"""The OpenCV detector's thresholds, one frozen dataclass (`perception.config.<name>=...`), read
by the detector (`perception/opencv_detector.py`) and its RGB-only placer (`planar.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OpenCVDetectorConfig:
    """The detector's thresholds (see the module docstring). Lengths in metres, areas in square
    metres (footprint seen from the camera), slopes as height change per horizontal distance."""

    workspace_bounds: tuple[float, float, float, float] = (0.25, 0.75, -0.3, 0.3)  # x0 x1 y0 y1
    workspace_margin: float = 0.1  # foreground this far outside the bounds still counts
    min_height: float = 0.003  # above the table: foreground
    max_height: float = 0.3
    block_size: float = 0.04  # edge of a block
    flat_slope: float = 0.3  # flatter than this: part of a top face
    top_face_tolerance: float = 0.004  # height band of a block's top face
    block_side_margin: float = 0.02  # around a top face: the block's own visible sides
    min_bowl_area: float = 0.005
    max_bowl_area: float = 0.04
    bowl_radius_range: tuple[float, float] = (0.03, 0.12)  # of the fitted rim circle
    rim_tolerance: float = 0.005  # height band of the rim below the bowl's highest pixels
    bowl_height: float = 0.032  # RGB only: the rim's height above the table
    bowl_floor_height: float = 0.006  # RGB only: where a block in a bowl stands
    min_hidden_area: float = 0.0001  # a side strip this large may be a block under another
    max_color_distance: float = 0.04  # chromaticity (perception.color)
    shade_range: tuple[float, float] = (0.35, 1.1)  # brightness relative to the reference
    reference_colors: Mapping[str, tuple[float, float, float]] | None = field(
        default=None, hash=False)  # colour name -> RGB in [0, 1]; None: the palette
    min_pixels: int = 20  # smallest connected component considered

    def __post_init__(self) -> None:
        for name in ("workspace_bounds", "bowl_radius_range", "shade_range"):  # lists from YAML
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))
        if self.reference_colors is not None:
            object.__setattr__(self, "reference_colors", {
                str(k): tuple(float(c) for c in v) for k, v in self.reference_colors.items()})
        if len(self.workspace_bounds) != 4 or len(self.bowl_radius_range) != 2 \
                or len(self.shade_range) != 2:
            raise ValueError("workspace_bounds needs 4 numbers, bowl_radius_range and "
                             "shade_range 2 each")
        x_min, x_max, y_min, y_max = self.workspace_bounds
        if x_min >= x_max or y_min >= y_max:
            raise ValueError(f"empty workspace bounds {self.workspace_bounds}")
        if not 0 <= self.min_height < self.max_height:
            raise ValueError("need 0 <= min_height < max_height")
        if not 0 < self.min_bowl_area < self.max_bowl_area or self.block_size <= 0:
            raise ValueError("need block_size > 0 and 0 < min_bowl_area < max_bowl_area")
        if not 0 < self.bowl_radius_range[0] < self.bowl_radius_range[1]:
            raise ValueError(f"need 0 < bowl_radius_range[0] < bowl_radius_range[1], got "
                             f"{self.bowl_radius_range}")
        if self.min_pixels < 1:
            raise ValueError(f"min_pixels must be at least 1, got {self.min_pixels}")
