"""The tool on a real arm's flange: where its tip is (the tool centre point, TCP), what it weighs.

Every real arm's config gives it (`tcp_offset`, `payload_kg`, `payload_cog`); the driver sets it
on the controller when it connects and reads it back, so every pose the arm is sent and reports
is the tool tip's (the safety guard's box bounds the tip, not the flange), and the controller's
dynamics and collision detection know the load. A config without it refuses to start. How to
measure it: docs/arms.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from drivers.base import Pose

Vec3 = tuple[float, float, float]
MAX_OFFSET_M = 0.5  # farther than any gripper reaches from a flange: a value in millimetres
POSITION_TOLERANCE_M = 1e-4
ANGLE_TOLERANCE_RAD = 2e-4
MASS_TOLERANCE_KG = 0.01


class ToolNotConfigured(ValueError):
    """A real arm's config without its tool (the message is one line for the user)."""


@dataclass(frozen=True)
class Tool:
    """`tcp_offset`: the tool tip in the flange frame (x, y, z in m; roll, pitch, yaw in rad);
    `payload_kg`: the tool's mass; `payload_cog`: its centre of gravity in the flange frame (m)."""

    tcp_offset: Pose
    payload_kg: float
    payload_cog: Vec3 = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        offset = tuple(float(v) for v in self.tcp_offset)
        cog = tuple(float(v) for v in self.payload_cog)
        if len(offset) != 6 or not all(math.isfinite(v) for v in offset):
            raise ToolNotConfigured(f"robot.tcp_offset needs 6 numbers [x, y, z, roll, pitch, "
                                    f"yaw] (m, rad), got {list(self.tcp_offset)}")
        if math.dist(offset[:3], (0.0, 0.0, 0.0)) > MAX_OFFSET_M:
            raise ToolNotConfigured(f"robot.tcp_offset {list(offset[:3])} is more than "
                                    f"{MAX_OFFSET_M} m from the flange: give metres, not mm")
        if not (math.isfinite(self.payload_kg) and 0.0 <= self.payload_kg <= 50.0):
            raise ToolNotConfigured(f"robot.payload_kg must be a mass in kg (0..50), got "
                                    f"{self.payload_kg}")
        if len(cog) != 3 or math.dist(cog, (0.0, 0.0, 0.0)) > MAX_OFFSET_M:
            raise ToolNotConfigured(f"robot.payload_cog needs 3 numbers [x, y, z] in m within "
                                    f"{MAX_OFFSET_M} m of the flange, got {list(self.payload_cog)}")
        object.__setattr__(self, "tcp_offset", offset)
        object.__setattr__(self, "payload_cog", cog)
        object.__setattr__(self, "payload_kg", float(self.payload_kg))

    def differences(self, offset: Sequence[float], mass: float, cog: Sequence[float]) -> str:
        """What the controller read back differs in ('' when it holds this tool)."""
        found = []
        if any(abs(a - b) > POSITION_TOLERANCE_M for a, b in zip(offset[:3], self.tcp_offset[:3],
                                                                  strict=True)) \
                or any(abs(_wrap(a - b)) > ANGLE_TOLERANCE_RAD
                       for a, b in zip(offset[3:], self.tcp_offset[3:], strict=True)):
            found.append(f"TCP offset {_fmt(offset)}, not {_fmt(self.tcp_offset)}")
        if abs(mass - self.payload_kg) > MASS_TOLERANCE_KG:
            found.append(f"payload {mass:.3f} kg, not {self.payload_kg:.3f} kg")
        if any(abs(a - b) > POSITION_TOLERANCE_M * 10 for a, b in zip(cog, self.payload_cog,
                                                                       strict=True)):
            found.append(f"centre of gravity {_fmt(cog)}, not {_fmt(self.payload_cog)}")
        return "; ".join(found)


def tool_from_config(robot: str, tcp_offset: Sequence[float] | None, payload_kg: float | None,
                     payload_cog: Sequence[float] | None) -> Tool:
    """The tool a real arm's config names; ToolNotConfigured, one line, when it names none."""
    if tcp_offset is None or payload_kg is None:
        missing = " and ".join(name for name, value in (("robot.tcp_offset", tcp_offset),
                                                        ("robot.payload_kg", payload_kg))
                               if value is None)
        raise ToolNotConfigured(
            f"robot={robot} needs its tool measured ({missing} not set): robot.tcp_offset=[x,y,"
            "z,roll,pitch,yaw] is the tool tip (between the fingertips) seen from the flange in "
            "m and rad, robot.payload_kg the gripper's mass with its mount (robot.payload_cog="
            "[x,y,z] m): see docs/arms.md")
    return Tool(tuple(tcp_offset), payload_kg,  # type: ignore[arg-type]
                tuple(payload_cog) if payload_cog is not None else (0.0, 0.0, 0.0))  # type: ignore[arg-type]


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


def _fmt(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"
