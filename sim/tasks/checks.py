"""The benchmark's end-of-episode check: the goal predicates on the simulator's ground truth.

The predicates and their tolerances are the goal model's (`skills.goals.holds` over the
world's `skills.snapshot.WorldSnapshot`): the tests' `World.is_in` and friends ask the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from perception.types import Scene
from skills.goals import Goal, Predicate, holds, unmet
from skills.snapshot import Position, SnapshotSource, WorldSnapshot


def start_positions(world: SnapshotSource) -> dict[str, Position]:
    """Where every object is now (a `sim.world.World` or a `remote.client.RemoteWorld`)."""
    return dict(world.snapshot().positions)


def unmet_in_world(world: SnapshotSource, goal: Goal,
                   start: Mapping[str, Position]) -> list[Predicate]:
    """The goal's predicates that do not hold on the world now; `start` for `unmoved`."""
    return unmet(goal, world.snapshot(start))


def unmet_as_perceived(scene: Scene, goal: Goal, start: Scene) -> list[Predicate]:
    """The goal's predicates that do not hold on the perceived scene (detected positions, not
    the simulator's): what the agent can tell itself without ground truth. A predicate naming
    an object that is not seen does not hold; `start` (the first perceived scene) for
    `unmoved`."""
    snapshot = WorldSnapshot({o.name: o.position for o in scene.objects}, scene.locations,
                             start={o.name: o.position for o in start.objects})
    left = []
    for predicate in goal:
        try:
            if not holds(snapshot, predicate):
                left.append(predicate)
        except KeyError:
            left.append(predicate)
    return left
