"""The table as it is at one moment, and the goal predicates' ground-truth relations on it.

The simulator (`sim.world.World.snapshot`) and the world behind an arm server
(`remote.client.RemoteWorld.snapshot`) both hand out a `WorldSnapshot`; the goal model
(`skills.goals.holds`) asks it the same questions it asks the symbolic model
(`skills.symbolic.SymbolicState`). The tolerances are in `skills.tolerances`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from skills import tolerances as tol
from skills.places import point_of

Position = tuple[float, float, float]


@dataclass(frozen=True)
class ObjectSizes:
    """The dimensions the relations are measured against (metres)."""

    block_size: float = tol.BLOCK_SIZE
    bowl_floor_height: float = tol.BOWL_FLOOR_HEIGHT
    bowl_rim_radius: float = tol.BOWL_RIM_RADIUS

    def __post_init__(self) -> None:
        if min(self.block_size, self.bowl_rim_radius) <= 0 or self.bowl_floor_height < 0:
            raise ValueError(f"object sizes must be positive: {self}")


@dataclass(frozen=True)
class WorldSnapshot:
    """Object positions (a block's centre, a bowl's base centre; world frame), the named
    locations, the object sizes, and where each object was at the start of the episode (for
    `unmoved`; empty when not known)."""

    positions: Mapping[str, Position]
    locations: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    sizes: ObjectSizes = ObjectSizes()
    start: Mapping[str, Position] = field(default_factory=dict)

    def _position(self, name: str) -> Position:
        if name not in self.positions:
            raise KeyError(f"no object {name!r} in the snapshot; have {sorted(self.positions)}")
        return self.positions[name]

    def is_in(self, block: str, bowl: str) -> bool:
        """Inside the rim, on the bowl's floor or on blocks stacked in it."""
        b, w = self._position(block), self._position(bowl)
        inside = math.dist(b[:2], w[:2]) <= self.sizes.bowl_rim_radius - tol.IN_BOWL_RIM_MARGIN
        ceiling = (self.sizes.bowl_floor_height + (tol.MAX_BLOCKS_IN_BOWL - 0.5)
                   * self.sizes.block_size + tol.IN_BOWL_HEIGHT_MARGIN)
        return inside and 0.0 < b[2] - w[2] <= ceiling

    def is_on(self, top: str, bottom: str) -> bool:
        """`top` rests on the block `bottom`: centres close in xy, one block size apart."""
        a, b = self._position(top), self._position(bottom)
        rise = a[2] - b[2]
        return (math.dist(a[:2], b[:2]) <= tol.ON_TOLERANCE
                and abs(rise - self.sizes.block_size) < tol.ON_HEIGHT_TOLERANCE)

    def _point(self, location: str) -> tuple[tuple[float, float], float]:
        """A named location's or a place's point (`skills.places`), and how close counts."""
        if location in self.locations:
            return self.locations[location], tol.AT_TOLERANCE
        point = point_of(location, self.positions, self.start)
        if point is None:
            raise KeyError(f"no location {location!r}; have {sorted(self.locations)}")
        return point, tol.PLACE_TOLERANCE

    def _on_table(self, position: Position) -> bool:
        return position[2] < tol.ON_TABLE_HEIGHT * self.sizes.block_size

    def is_at(self, block: str, location: str) -> bool:
        """The block rests on the table at the named location or place."""
        point, tolerance = self._point(location)
        b = self._position(block)
        return self._on_table(b) and math.dist(b[:2], point) <= tolerance

    def is_over(self, block: str, location: str) -> bool:
        """The block rests at the named location or on a stack standing there: within
        `OVER_TOLERANCE` of it horizontally, at any height."""
        point, _ = self._point(location)
        return math.dist(self._position(block)[:2], point) <= tol.OVER_TOLERANCE

    def is_in_line(self, blocks: Sequence[str], line: str) -> bool:
        """On the table, at least a block apart, and each within `LINE_TOLERANCE` of one
        straight line of the kind: horizontal (across, constant x), vertical (constant y) or
        either diagonal."""
        points = [self._position(b) for b in blocks]
        if len(points) < 2 or not all(self._on_table(p) for p in points):
            return False
        apart = min(math.dist(a[:2], b[:2]) for i, a in enumerate(points) for b in points[i + 1:])
        if apart < self.sizes.block_size:
            return False
        directions = {"horizontal": [(0.0, 1.0)], "vertical": [(1.0, 0.0)],
                      "diagonal": [(1 / math.sqrt(2), 1 / math.sqrt(2)),
                                   (1 / math.sqrt(2), -1 / math.sqrt(2))]}[line]
        return any(_off_line(points, d) <= tol.LINE_TOLERANCE for d in directions)

    def is_unmoved(self, obj: str) -> bool:
        if obj not in self.start:
            raise KeyError(f"the snapshot has no start position of {obj!r}")
        return math.dist(self._position(obj), self.start[obj]) < tol.UNMOVED_TOLERANCE


def _off_line(points: Sequence[Position], direction: tuple[float, float]) -> float:
    """The largest distance of the points from the line with this direction through their
    centroid."""
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    return max(abs((p[0] - cx) * direction[1] - (p[1] - cy) * direction[0]) for p in points)


class SnapshotSource(Protocol):
    """A world that can be looked at: the simulator, or the one behind an arm server."""

    def snapshot(self, start: Mapping[str, Position] | None = None) -> WorldSnapshot: ...
