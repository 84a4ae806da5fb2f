"""The table as it is at one moment, and the goal predicates' ground-truth relations on it.

The simulator (`sim.world.World.snapshot`) and the world behind an arm server
(`remote.client.RemoteWorld.snapshot`) both hand out a `WorldSnapshot`; the goal model
(`skills.goals.holds`) asks it the same questions it asks the symbolic model
(`skills.symbolic.SymbolicState`). The tolerances are in `skills.tolerances`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from skills import tolerances as tol

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

    def is_at(self, block: str, location: str) -> bool:
        """The block rests on the table at the named location."""
        if location not in self.locations:
            raise KeyError(f"no location {location!r}; have {sorted(self.locations)}")
        b = self._position(block)
        on_table = b[2] < tol.ON_TABLE_HEIGHT * self.sizes.block_size
        return on_table and math.dist(b[:2], self.locations[location]) <= tol.AT_TOLERANCE

    def is_unmoved(self, obj: str) -> bool:
        if obj not in self.start:
            raise KeyError(f"the snapshot has no start position of {obj!r}")
        return math.dist(self._position(obj), self.start[obj]) < tol.UNMOVED_TOLERANCE


class SnapshotSource(Protocol):
    """A world that can be looked at: the simulator, or the one behind an arm server."""

    def snapshot(self, start: Mapping[str, Position] | None = None) -> WorldSnapshot: ...
