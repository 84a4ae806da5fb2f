"""Data passed from the camera to the planner: frames, detections, scenes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

ObjectKind = Literal["block", "bowl"]

COLOR_NAMES: tuple[str, ...] = (
    "blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown", "gray",
)


@dataclass(frozen=True, eq=False)
class Frame:
    """One RGB(-D) image with the matrices needed to place pixels in the world.

    rgb: HxWx3 uint8. depth: HxW float32, metric distance along the optical axis (metres), or
    None for an RGB-only camera (detectors then place objects on the table plane).
    intrinsics: 3x3 pinhole matrix K (pixels). camera_to_world: 4x4 pose of the camera in the
    world frame, OpenCV convention (x right, y down, z forward). timestamp: seconds (the
    source's clock; 0 when it has none).
    """

    rgb: np.ndarray
    depth: np.ndarray | None
    intrinsics: np.ndarray
    camera_to_world: np.ndarray
    camera_name: str = "top"
    timestamp: float = 0.0

    def __post_init__(self) -> None:
        if self.rgb.ndim != 3 or self.rgb.shape[2] != 3:
            raise ValueError(f"rgb must be HxWx3, got shape {self.rgb.shape}")
        if self.depth is not None and self.depth.shape != self.size:
            raise ValueError(f"rgb shape {self.rgb.shape} does not match depth shape "
                             f"{self.depth.shape}")
        if self.intrinsics.shape != (3, 3) or self.camera_to_world.shape != (4, 4):
            raise ValueError("intrinsics must be 3x3 and camera_to_world 4x4")

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) in pixels."""
        return (int(self.rgb.shape[0]), int(self.rgb.shape[1]))

    def rays(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The camera centre (3,) and the world directions (N x 3) through the given pixels
        (pixel (row, col) at (col + 0.5, row + 0.5)), scaled to unit optical-axis depth."""
        k_inv = np.linalg.inv(self.intrinsics)
        pixels = np.stack([cols + 0.5, rows + 0.5, np.ones(np.shape(rows))], axis=1)
        directions = pixels.astype(np.float64) @ k_inv.T @ self.camera_to_world[:3, :3].T
        return self.camera_to_world[:3, 3].copy(), directions

    def on_plane(self, rows: np.ndarray, cols: np.ndarray, z: float) -> np.ndarray:
        """World points (N x 3) where the rays through the given pixels meet the plane at
        height `z` (NaN for a ray parallel to it or meeting it behind the camera)."""
        centre, directions = self.rays(rows, cols)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (z - centre[2]) / directions[:, 2]
        t = np.where(np.isfinite(t) & (t > 0), t, np.nan)
        return centre + t[:, None] * directions

    def back_project(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """World coordinates (N x 3) of the given pixels using their depth."""
        if self.depth is None:
            raise ValueError(f"camera {self.camera_name!r} gives no depth: place pixels on a "
                             "plane (Frame.on_plane)")
        z = self.depth[rows, cols].astype(np.float64)
        fx, fy = self.intrinsics[0, 0], self.intrinsics[1, 1]
        cx, cy = self.intrinsics[0, 2], self.intrinsics[1, 2]
        x = (cols + 0.5 - cx) * z / fx
        y = (rows + 0.5 - cy) * z / fy
        points_cam = np.stack([x, y, z, np.ones_like(z)], axis=1)
        return (points_cam @ self.camera_to_world.T)[:, :3]


@dataclass(frozen=True)
class Detection:
    """One object seen in a frame: colour, kind and 3-D position (world frame, metres).

    For a block the position is its centre; for a bowl, the centre of its base on the table.
    """

    color: str
    kind: ObjectKind
    position: tuple[float, float, float]
    confidence: float = 1.0

    @property
    def name(self) -> str:
        return f"{self.color} {self.kind}"


@dataclass(frozen=True)
class Scene:
    """What the robot knows about the table: detected objects, the named locations, and the
    objects as perceived at the start of the episode (`start`, empty when not known), so that
    "where the red block started" is a place."""

    objects: tuple[Detection, ...]
    locations: dict[str, tuple[float, float]] = field(default_factory=dict, hash=False)
    start: tuple[Detection, ...] = ()

    def get(self, name: str) -> Detection | None:
        return next((obj for obj in self.objects if obj.name == name), None)

    @property
    def blocks(self) -> tuple[Detection, ...]:
        return tuple(obj for obj in self.objects if obj.kind == "block")

    @property
    def bowls(self) -> tuple[Detection, ...]:
        return tuple(obj for obj in self.objects if obj.kind == "bowl")

    def with_position(self, name: str, position: tuple[float, float, float]) -> Scene:
        """The scene with the object `name` seen at `position` instead."""
        objects = tuple(replace(o, position=position) if o.name == name else o
                        for o in self.objects)
        return replace(self, objects=objects)

    def with_objects(self, objects: Iterable[Detection]) -> Scene:
        """The scene with these objects seen instead (locations and start kept)."""
        return replace(self, objects=tuple(objects))

    def started(self) -> Scene:
        """The scene as the first of an episode: its objects are where everything started."""
        return replace(self, start=self.objects)

    def ordered(self) -> tuple[Detection, ...]:
        """The objects in prompt order: blocks, then bowls, each by palette order."""
        return tuple(sorted(self.objects, key=_prompt_order))

    def describe(self) -> str:
        """The scene as the prompt shows it, e.g. `objects = [red block, blue bowl]`."""
        return objects_line(obj.name for obj in self.ordered())


def objects_line(names: Iterable[str]) -> str:
    """The prompt's line naming the objects on a table: `objects = [red block, blue bowl]`."""
    return f"objects = [{', '.join(names)}]"


def _prompt_order(obj: Detection) -> tuple[int, int, str]:
    color_rank = COLOR_NAMES.index(obj.color) if obj.color in COLOR_NAMES else len(COLOR_NAMES)
    return (0 if obj.kind == "block" else 1, color_rank, obj.color)
