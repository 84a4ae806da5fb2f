"""The table workspace in the robot base frame and its nine named locations.

The robot base is at the origin on the table edge, x points away from the robot, y to its left,
z up; the table surface is z = 0. In the top-down camera image the robot is at the bottom edge,
so "top" is far from the robot (+x) and "left" is +y.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCATION_NAMES: tuple[str, ...] = (
    "top left corner", "top right corner", "bottom left corner", "bottom right corner",
    "top side", "bottom side", "left side", "right side", "middle",
)


@dataclass(frozen=True)
class Workspace:
    x_min: float = 0.25
    x_max: float = 0.75
    y_min: float = -0.3
    y_max: float = 0.3
    location_inset: float = 0.06

    def __post_init__(self) -> None:
        if self.x_min >= self.x_max or self.y_min >= self.y_max:
            raise ValueError(f"empty workspace: {self}")

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x_min + self.x_max) / 2, (self.y_min + self.y_max) / 2)

    def contains(self, x: float, y: float, margin: float = 0.0) -> bool:
        return (self.x_min - margin <= x <= self.x_max + margin
                and self.y_min - margin <= y <= self.y_max + margin)

    def named_locations(self) -> dict[str, tuple[float, float]]:
        top, bottom = self.x_max - self.location_inset, self.x_min + self.location_inset
        left, right = self.y_max - self.location_inset, self.y_min + self.location_inset
        mid_x, mid_y = self.center
        return {
            "top left corner": (top, left),
            "top right corner": (top, right),
            "bottom left corner": (bottom, left),
            "bottom right corner": (bottom, right),
            "top side": (top, mid_y),
            "bottom side": (bottom, mid_y),
            "left side": (mid_x, left),
            "right side": (mid_x, right),
            "middle": (mid_x, mid_y),
        }
