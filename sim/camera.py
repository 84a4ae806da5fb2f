"""A pinhole RGB-D camera rendered with PyBullet's TinyRenderer.

The camera knows its own intrinsics K and its pose (OpenCV convention: x right, y down, z forward),
so the `Frame` it renders back-projects pixels to world points without asking the simulator.
The default is the top-down camera: 1 m above the workspace centre, looking straight down, with the
robot (at the origin) at the bottom edge of the image; image up is +x, image left is +y.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pybullet as p

from perception.types import Frame

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Camera:
    """Camera configuration. `fov_deg` is the vertical field of view; pixels are square.

    Lighting: no shadows and no specular highlight, so colours on flat faces stay close to the
    palette; `light_direction` points from the scene towards the light.
    """

    name: str = "top"
    width: int = 640
    height: int = 480
    fov_deg: float = 40.0
    position: Vec3 = (0.5, 0.0, 1.0)
    target: Vec3 = (0.5, 0.0, 0.0)
    up: Vec3 = (1.0, 0.0, 0.0)
    near: float = 0.1
    far: float = 3.0
    shadows: bool = False
    light_direction: Vec3 = (0.3, 0.2, 1.0)
    light_ambient: float = 0.55
    light_diffuse: float = 0.4
    light_specular: float = 0.0

    def __post_init__(self) -> None:
        for name in ("position", "target", "up", "light_direction"):  # lists from a config
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"bad image size {self.width}x{self.height}")
        if not 0.0 < self.fov_deg < 180.0:
            raise ValueError(f"fov_deg must be in (0, 180), got {self.fov_deg}")
        if not 0.0 < self.near < self.far:
            raise ValueError(f"need 0 < near < far, got {self.near}, {self.far}")
        forward = np.subtract(self.target, self.position)
        if np.linalg.norm(forward) < 1e-9:
            raise ValueError("camera position and target coincide")
        if np.linalg.norm(np.cross(forward, self.up)) < 1e-9:
            raise ValueError("up vector is parallel to the viewing direction")

    @property
    def intrinsics(self) -> np.ndarray:
        """3x3 pinhole matrix for `Frame.back_project` (pixel (row, col) at (col + 0.5, row + 0.5)).

        TinyRenderer samples pixel (row, col) at OpenGL window point (col, height - 1 - row), with
        the optical axis at (width / 2, height / 2): hence the half-pixel principal-point offsets
        (measured: without them back-projected points are off by half a pixel, ~0.7 mm).
        """
        f = (self.height / 2.0) / math.tan(math.radians(self.fov_deg) / 2.0)
        return np.array([[f, 0.0, self.width / 2.0 + 0.5],
                         [0.0, f, self.height / 2.0 - 0.5],
                         [0.0, 0.0, 1.0]])

    @property
    def camera_to_world(self) -> np.ndarray:
        """4x4 pose of the camera in the world, OpenCV axes (x right, y down, z forward)."""
        forward = np.subtract(self.target, self.position).astype(np.float64)
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, self.up)
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2] = right, down, forward
        pose[:3, 3] = self.position
        return pose

    def _matrices(self) -> tuple[list[float], list[float]]:
        view = p.computeViewMatrix(self.position, self.target, self.up)
        proj = p.computeProjectionMatrixFOV(self.fov_deg, self.width / self.height,
                                            self.near, self.far)
        return view, proj

    def render(self, client_id: int = 0) -> Frame:
        """Render one RGB-D frame from the given PyBullet client."""
        view, proj = self._matrices()
        _, _, rgba, depth_buffer, _ = p.getCameraImage(
            self.width, self.height, viewMatrix=view, projectionMatrix=proj,
            shadow=int(self.shadows), lightDirection=self.light_direction,
            lightAmbientCoeff=self.light_ambient, lightDiffuseCoeff=self.light_diffuse,
            lightSpecularCoeff=self.light_specular,
            renderer=p.ER_TINY_RENDERER, flags=p.ER_NO_SEGMENTATION_MASK,
            physicsClientId=client_id)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(self.height, self.width, 4)[:, :, :3]
        buffer = np.asarray(depth_buffer, dtype=np.float64).reshape(self.height, self.width)
        depth = self.far * self.near / (self.far - (self.far - self.near) * buffer)
        return Frame(rgb=np.ascontiguousarray(rgb), depth=depth.astype(np.float32),
                     intrinsics=self.intrinsics, camera_to_world=self.camera_to_world,
                     camera_name=self.name)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates (N x 2, as (col, row) floats, centre convention) of world points."""
        pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
        world_to_camera = np.linalg.inv(self.camera_to_world)
        cam = pts @ world_to_camera[:3, :3].T + world_to_camera[:3, 3]
        uvw = cam @ self.intrinsics.T
        return uvw[:, :2] / uvw[:, 2:3] - 0.5


class RenderedCamera:
    """`camera=sim`: a `Camera` rendered in the world perception looks at (completed with it);
    the settings are `Camera`'s fields. `use_depth: false` withholds the depth (an RGB-only
    camera)."""

    def __init__(self, world: Any, use_depth: bool = True, **settings: Any) -> None:
        self.world = world
        self.camera = Camera(**settings)
        self.use_depth = use_depth

    def read(self) -> Frame:
        frame = self.world.render(self.camera)
        return frame if self.use_depth else replace(frame, depth=None)

    def close(self) -> None:
        pass
