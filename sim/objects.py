"""Builders for the table, the 4 cm blocks and the bowls (a shallow dish made of boxes).

Collision and visual shapes are created once per client and colour and reused across resets,
so resetting a world many times does not leak shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pybullet as p

from perception.palette import PALETTE

TABLE_RGBA = (0.16, 0.16, 0.17, 1.0)  # dark neutral: unlike every palette colour


@dataclass(frozen=True)
class BlockGeometry:
    size: float = 0.04
    mass: float = 0.05
    lateral_friction: float = 1.0


@dataclass(frozen=True)
class BowlGeometry:
    """A dish: a floor disc plus a ring of tilted wall boxes (open at the top).

    floor_radius is the radius of the flat inner floor, top_radius the inner radius at the rim.
    """

    floor_radius: float = 0.048
    floor_thickness: float = 0.006
    top_radius: float = 0.062
    height: float = 0.032
    wall_thickness: float = 0.005
    n_walls: int = 15  # PyBullet's createVisualShapeArray crashes above 16 shapes with colours
    mass: float = 0.0  # 0 = static

    def __post_init__(self) -> None:
        if not 6 <= self.n_walls <= 15:
            raise ValueError(f"n_walls must be in [6, 15], got {self.n_walls}")
        if self.floor_radius < 0.03 or self.top_radius <= self.floor_radius:
            raise ValueError(f"bowl too small or inverted: {self}")

    @property
    def outer_radius(self) -> float:
        return self.top_radius + self.wall_thickness

    @property
    def floor_height(self) -> float:
        return self.floor_thickness


@dataclass(frozen=True)
class TableGeometry:
    x_min: float = -0.35
    x_max: float = 1.0
    y_min: float = -0.75
    y_max: float = 0.75
    thickness: float = 0.05


def rgba(color: str) -> tuple[float, float, float, float]:
    if color not in PALETTE:
        raise ValueError(f"unknown colour {color!r}; expected one of {sorted(PALETTE)}")
    r, g, b = PALETTE[color]
    return (r, g, b, 1.0)


class ObjectFactory:
    """Creates bodies in one PyBullet client, caching shapes by (kind, colour)."""

    def __init__(self, client: int, block: BlockGeometry, bowl: BowlGeometry) -> None:
        self.client = client
        self.block = block
        self.bowl = bowl
        self._shapes: dict[tuple[str, str], tuple[int, int]] = {}

    def create_table(self, geometry: TableGeometry) -> int:
        half = (
            (geometry.x_max - geometry.x_min) / 2,
            (geometry.y_max - geometry.y_min) / 2,
            geometry.thickness / 2,
        )
        centre = (
            (geometry.x_max + geometry.x_min) / 2,
            (geometry.y_max + geometry.y_min) / 2,
            -geometry.thickness / 2,
        )
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=self.client)
        vis = p.createVisualShape(
            p.GEOM_BOX, halfExtents=half, rgbaColor=TABLE_RGBA, physicsClientId=self.client
        )
        body = p.createMultiBody(0, col, vis, centre, physicsClientId=self.client)
        p.changeDynamics(body, -1, lateralFriction=0.8, physicsClientId=self.client)
        return body

    def create_block(self, color: str, x: float, y: float, yaw: float,
                     above: float = 0.0) -> int:
        """A block resting at (x, y), `above` metres over the table (on a bowl's floor or a
        block)."""
        col, vis = self._shapes.get(("block", color)) or self._block_shapes(color)
        half = self.block.size / 2
        orn = p.getQuaternionFromEuler((0.0, 0.0, yaw))
        body = p.createMultiBody(
            self.block.mass, col, vis, (x, y, above + half + 1e-4), orn,
            physicsClientId=self.client
        )
        p.changeDynamics(
            body, -1, lateralFriction=self.block.lateral_friction, spinningFriction=0.001,
            rollingFriction=0.0001, physicsClientId=self.client,
        )
        return body

    def create_bowl(self, color: str, x: float, y: float) -> int:
        col, vis = self._shapes.get(("bowl", color)) or self._bowl_shapes(color)
        body = p.createMultiBody(
            self.bowl.mass, col, vis, (x, y, 0.0), physicsClientId=self.client
        )
        p.changeDynamics(body, -1, lateralFriction=0.6, physicsClientId=self.client)
        return body

    def _block_shapes(self, color: str) -> tuple[int, int]:
        half = (self.block.size / 2,) * 3
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=self.client)
        vis = p.createVisualShape(
            p.GEOM_BOX, halfExtents=half, rgbaColor=rgba(color), physicsClientId=self.client
        )
        self._shapes[("block", color)] = (col, vis)
        return col, vis

    def _bowl_shapes(self, color: str) -> tuple[int, int]:
        parts = bowl_parts(self.bowl)
        kwargs = {
            "shapeTypes": [kind for kind, *_ in parts],
            "halfExtents": [half for _, half, _, _ in parts],
            "radii": [half[0] for _, half, _, _ in parts],
            "lengths": [2 * half[2] for _, half, _, _ in parts],
        }
        col = p.createCollisionShapeArray(
            collisionFramePositions=[pos for *_, pos, _ in parts],
            collisionFrameOrientations=[orn for *_, orn in parts],
            physicsClientId=self.client, **kwargs,
        )
        vis = p.createVisualShapeArray(
            visualFramePositions=[pos for *_, pos, _ in parts],
            visualFrameOrientations=[orn for *_, orn in parts],
            rgbaColors=[rgba(color)] * len(parts),
            physicsClientId=self.client, **kwargs,
        )
        self._shapes[("bowl", color)] = (col, vis)
        return col, vis


Part = tuple[int, tuple[float, float, float], tuple[float, float, float], tuple[float, ...]]


def bowl_parts(g: BowlGeometry) -> list[Part]:
    """(shape type, half extents, position, orientation) of every piece of the bowl, in the
    bowl frame (origin at the centre of its base on the table). For the cylinder floor the
    first half extent is the radius and the third half the height."""
    floor_r = g.floor_radius + g.wall_thickness
    parts: list[Part] = [
        (p.GEOM_CYLINDER, (floor_r, floor_r, g.floor_thickness / 2),
         (0.0, 0.0, g.floor_thickness / 2), (0.0, 0.0, 0.0, 1.0)),
    ]
    dr, dz = g.top_radius - g.floor_radius, g.height - g.floor_thickness
    tilt = math.atan2(dr, dz)
    length = math.hypot(dr, dz) + g.wall_thickness
    r_mid = (g.floor_radius + g.top_radius) / 2 + g.wall_thickness / 2 * math.cos(tilt)
    z_mid = g.floor_thickness + dz / 2 - g.wall_thickness / 2 * math.sin(tilt)
    half_width = math.pi * g.top_radius / g.n_walls + 0.002
    for i in range(g.n_walls):
        azimuth = 2 * math.pi * i / g.n_walls
        pos = (r_mid * math.cos(azimuth), r_mid * math.sin(azimuth), z_mid)
        orn = p.getQuaternionFromEuler((0.0, tilt, azimuth))
        parts.append((p.GEOM_BOX, (g.wall_thickness / 2, half_width, length / 2), pos, orn))
    return parts
