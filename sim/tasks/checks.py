"""Goal predicates checked on the simulator's ground truth at the end of an episode."""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.world import World
from skills.goals import (
    At,
    Goal,
    In,
    NotIn,
    On,
    Predicate,
    Stacked,
    Tower,
    Unmoved,
    is_one_tower,
)

UNMOVED_TOLERANCE = 0.02  # metres
MAX_LEVELS_IN_BOWL = 4


def start_positions(world: World) -> dict[str, tuple[float, float, float]]:
    return {name: pose.position for name, pose in world.object_poses().items()}


def in_bowl(world: World, block: str, bowl: str) -> bool:
    """Inside the rim, on the bowl's floor or on blocks stacked in it."""
    b, w = world.object_pose(block).position, world.object_pose(bowl).position
    inside = math.hypot(b[0] - w[0], b[1] - w[1]) <= world.bowl.top_radius - 0.01
    ceiling = world.bowl.floor_height + (MAX_LEVELS_IN_BOWL - 0.5) * world.block.size + 0.01
    return inside and 0.0 < b[2] - w[2] <= ceiling


def holds(world: World, predicate: Predicate,
          start: Mapping[str, tuple[float, float, float]]) -> bool:
    if isinstance(predicate, In):
        return in_bowl(world, predicate.block, predicate.bowl)
    if isinstance(predicate, NotIn):
        return not in_bowl(world, predicate.block, predicate.bowl)
    if isinstance(predicate, On):
        return world.is_on(predicate.top, predicate.bottom)
    if isinstance(predicate, At):
        xy = world.workspace.named_locations()[predicate.location]
        return world.is_at(predicate.block, xy, tol=0.03)
    if isinstance(predicate, Stacked):
        pairs = zip(predicate.objects, predicate.objects[1:], strict=False)
        return all(world.is_on(top, bottom) for bottom, top in pairs)
    if isinstance(predicate, Tower):
        def rests_on(obj: str) -> str | None:
            return next((o for o in predicate.objects if o != obj and world.is_on(obj, o)), None)
        return is_one_tower(predicate.objects, rests_on)
    if isinstance(predicate, Unmoved):
        now = world.object_pose(predicate.obj).position
        return math.dist(now, start[predicate.obj]) < UNMOVED_TOLERANCE
    raise TypeError(f"not a predicate: {predicate!r}")


def unmet_in_world(world: World, goal: Goal,
                   start: Mapping[str, tuple[float, float, float]]) -> list[Predicate]:
    return [p for p in goal if not holds(world, p, start)]
