"""The benchmark's end-of-episode check: the goal predicates on the simulator's ground truth.

The predicates and their tolerances are the goal model's (`skills.goals.holds` over the
world's `skills.snapshot.WorldSnapshot`): the tests' `World.is_in` and friends ask the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from skills.goals import Goal, Predicate, unmet
from skills.snapshot import Position, SnapshotSource


def start_positions(world: SnapshotSource) -> dict[str, Position]:
    """Where every object is now (a `sim.world.World` or a `drivers.remote.RemoteWorld`)."""
    return dict(world.snapshot().positions)


def unmet_in_world(world: SnapshotSource, goal: Goal,
                   start: Mapping[str, Position]) -> list[Predicate]:
    """The goal's predicates that do not hold on the world now; `start` for `unmoved`."""
    return unmet(goal, world.snapshot(start))
