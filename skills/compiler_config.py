"""How skills move the tool: the compiler's heights and clearances, and top-down poses."""

from __future__ import annotations

import math
from dataclasses import dataclass

from drivers import Pose
from skills.tolerances import BLOCK_SIZE, BOWL_FLOOR_HEIGHT, BOWL_OUTER_RADIUS


@dataclass(frozen=True)
class CompilerConfig:
    """Heights are tool-point (TCP, between the fingertips) heights in metres, base frame.

    travel_height: TCP height for approach, lift, carry and retreat (raised further above
    tall targets by travel_clearance). grasp_offset: TCP height above a block's centre when
    grasping. place_clearance: gap left under the block when releasing it onto a block or
    the table; bowl_drop: the same inside an empty bowl, whose floor is bowl_floor_height
    above its base; a block placed in a bowl that holds blocks (as `SceneGeometry` reads "in")
    goes on top of them. finger_reach: distance from the tool axis to the middle of an open
    finger (for the yaw choice). grasp_yaw_turn: added to grasp_yaw where the fingers have
    room (a retry's turn). return_home: finish with the arm at home (out of the camera's
    view) so the next frame sees the result.
    """

    block_size: float = BLOCK_SIZE
    table_height: float = 0.0
    bowl_floor_height: float = BOWL_FLOOR_HEIGHT
    travel_height: float = 0.15
    travel_clearance: float = 0.08
    grasp_offset: float = 0.0
    place_clearance: float = 0.006
    bowl_drop: float = 0.02
    bowl_outer_radius: float = BOWL_OUTER_RADIUS
    finger_reach: float = 0.055
    grasp_yaw: float = 0.0
    grasp_yaw_turn: float = 0.0
    return_home: bool = True

    def __post_init__(self) -> None:
        if self.block_size <= 0:
            raise ValueError(f"block_size must be positive, got {self.block_size}")
        if self.travel_height <= self.table_height + self.block_size:
            raise ValueError(f"travel_height {self.travel_height} is too low to carry a block")
        if self.place_clearance < 0 or self.bowl_drop < 0:
            raise ValueError("place_clearance and bowl_drop must be non-negative")


def top_down(x: float, y: float, z: float, yaw: float) -> Pose:
    """A tool pose pointing straight down (roll = pi, pitch = 0)."""
    return (x, y, z, math.pi, 0.0, yaw)
