"""Scene specs whose seeded layout can be placed, with the named locations a task needs free."""

from __future__ import annotations

import math

import numpy as np

from sim.objects import BlockGeometry, BowlGeometry
from sim.scene_gen import SceneSpec, TableTooSmallError, sample_layout
from skills.workspace import Workspace

WORKSPACE = Workspace()
RADII = {"block": BlockGeometry().size / math.sqrt(2), "bowl": BowlGeometry().outer_radius}
LOCATIONS = WORKSPACE.named_locations()


def placeable_scene(
    rng: np.random.Generator, blocks: list[str], bowls: list[str],
    free: tuple[str, ...] = (), tries: int = 50,
) -> SceneSpec:
    """A SceneSpec with a layout seed drawn from `rng` whose layout can be sampled and leaves the
    named locations in `free` clear (a block set there touches nothing)."""
    for _ in range(tries):
        spec = SceneSpec(tuple(blocks), tuple(bowls), int(rng.integers(2**31 - 1)))
        try:
            layout = sample_layout(spec, WORKSPACE, RADII)
        except TableTooSmallError:
            continue
        if all(_clear(layout, LOCATIONS[name]) for name in free):
            return spec
    raise RuntimeError(f"no layout for blocks {blocks}, bowls {bowls} with {free} free")


def _clear(layout, xy: tuple[float, float], margin: float = 0.02) -> bool:
    for name, place in layout.items():
        radius = RADII[name.rsplit(" ", 1)[1]]
        if math.hypot(place.x - xy[0], place.y - xy[1]) < radius + RADII["block"] + margin:
            return False
    return True
