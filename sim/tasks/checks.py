"""The benchmark's end-of-episode check: the goal predicates on the simulator's ground truth.

The predicates and their tolerances are the goal model's (`skills.goals.holds` over the
world's `skills.snapshot.WorldSnapshot`): the tests' `World.is_in` and friends ask the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from perception.types import Scene
from skills.goals import Goal, Predicate, advance, holds, unmet
from skills.snapshot import Position, SnapshotSource, WorldSnapshot


def start_positions(world: SnapshotSource) -> dict[str, Position]:
    """Where every object is now (a `sim.world.World` or a `remote.client.RemoteWorld`)."""
    return dict(world.snapshot().positions)


def unmet_in_world(world: SnapshotSource, goal: Goal,
                   start: Mapping[str, Position]) -> list[Predicate]:
    """The goal's predicates that do not hold on the world now; `start` for `unmoved`."""
    return unmet(goal, world.snapshot(start))


class WaypointWatch:
    """The task's waypoints on the world's ground truth at the start and after every step (an
    agent's `on_step`): how many were reached, in order."""

    def __init__(self, world: SnapshotSource, waypoints: Goal,
                 start: Mapping[str, Position]) -> None:
        self.world, self.waypoints, self.start = world, waypoints, start
        self.reached = advance(waypoints, 0, world.snapshot(start))

    def __call__(self, _record: Any = None) -> None:
        if self.reached < len(self.waypoints):
            self.reached = advance(self.waypoints, self.reached, self.world.snapshot(self.start))

    def unmet(self) -> list[Predicate]:
        return list(self.waypoints[self.reached:])


def unmet_as_perceived(scene: Scene, goal: Goal, start: Scene,
                       seen: Sequence[Scene] = (), waypoints: Goal = ()) -> list[Predicate]:
    """The goal's predicates that do not hold on the perceived scene (detected positions, not
    the simulator's): what the agent can tell itself without ground truth; first the waypoints
    not reached in order over the scenes `seen` during the episode. A predicate naming an
    object that is not seen does not hold; `start` (the first perceived scene) for
    `unmoved`."""
    def snapshot(each: Scene) -> WorldSnapshot:
        return WorldSnapshot({o.name: o.position for o in each.objects}, each.locations,
                             start={o.name: o.position for o in start.objects})

    reached = 0
    for each in seen:
        try:
            reached = advance(waypoints, reached, snapshot(each))
        except KeyError:
            continue
    left = list(waypoints[reached:])
    final = snapshot(scene)
    for predicate in goal:
        try:
            if not holds(final, predicate):
                left.append(predicate)
        except KeyError:
            left.append(predicate)
    return left
