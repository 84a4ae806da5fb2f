"""`nudge`: a person moves the block just placed to a free spot on the table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from faults.base import Fault, Simulation, xy

ATTEMPTS = 200  # random spots tried before the nudge gives up (a crowded table)
SETTLE_SECONDS = 0.2


@dataclass(frozen=True)
class Nudge(Fault):
    """With probability `p` per step, the block the gripper let go of in the step is moved,
    before the next frame, to a random free spot in the workspace at least `min_shift` metres
    from where it was."""

    name: ClassVar[str] = "nudge"
    min_shift: float = 0.1

    def on_placed(self, drawn: object, block: str, sim: Simulation,
                  rng: np.random.Generator) -> str | None:
        world = sim.world
        start = world.object_pose(block).position
        spot = free_spot(sim, block, rng, self.min_shift)
        if spot is None:
            return None
        size = world.block.size
        world.set_object_pose(block, (*spot, size / 2), yaw=float(rng.uniform(-0.2, 0.2)))
        world.step(max(1, round(SETTLE_SECONDS / world.time_step)))
        return f"{block} moved from {xy(start)} to {xy(spot)}"


def free_spot(sim: Simulation, block: str, rng: np.random.Generator,
              min_shift: float) -> tuple[float, float] | None:
    """A random (x, y) in the workspace clear of every other object, `min_shift` from the block."""
    world = sim.world
    size, workspace = world.block.size, world.workspace
    clearance = {"block": 1.5 * size, "bowl": world.bowl.outer_radius + size}
    others = [(world.object_pose(name).position[:2], clearance[name.rsplit(" ", 1)[1]])
              for name in world.object_names if name != block]
    start = world.object_pose(block).position[:2]
    for _ in range(ATTEMPTS):
        spot = (float(rng.uniform(workspace.x_min + size, workspace.x_max - size)),
                float(rng.uniform(workspace.y_min + size, workspace.y_max - size)))
        if math.dist(spot, start) >= min_shift and all(
                math.dist(spot, where) >= room for where, room in others):
            return spot
    return None
