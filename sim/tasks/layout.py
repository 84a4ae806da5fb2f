"""Scene specs whose seeded layout can be placed, with the named locations a task needs free."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from sim.objects import BlockGeometry, BowlGeometry
from sim.scene_gen import SceneSpec, TableTooSmallError, sample_layout
from skills.compiler_config import CompilerConfig
from skills.workspace import Workspace

WORKSPACE = Workspace()
RADII = {"block": BlockGeometry().size / math.sqrt(2), "bowl": BowlGeometry().outer_radius}
LOCATIONS = WORKSPACE.named_locations()
FINGER_REACH = CompilerConfig().finger_reach  # the tool axis to an open finger's middle
FINGER_ROOM = 0.015  # metres from a finger to an object's outline


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


def location_free(spec: SceneSpec, name: str) -> bool:
    """Whether the named location is clear on `spec`'s layout (a block set there touches
    nothing)."""
    return _clear(sample_layout(spec, WORKSPACE, RADII), LOCATIONS[name])


def _clear(layout, xy: tuple[float, float], margin: float = 0.02) -> bool:
    for name, place in layout.items():
        radius = RADII[name.rsplit(" ", 1)[1]]
        if math.hypot(place.x - xy[0], place.y - xy[1]) < radius + RADII["block"] + margin:
            return False
    return True


Point = tuple[float, float]
Positions = dict[str, Point]


def scene_satisfying(
    rng: np.random.Generator, blocks: list[str], bowls: list[str],
    accept: Callable[[Positions], bool] = lambda _: True,
    free: Callable[[Positions], Sequence[Point]] = lambda _: (), tries: int = 3000,
    start_on: tuple[tuple[str, str], ...] = (),
) -> tuple[SceneSpec, Positions]:
    """A SceneSpec with a layout seed drawn from `rng` whose layout can be sampled, passes
    `accept` (given every object's (x, y)) and leaves clear the points `free` names for it (a
    block set at each touches nothing); every block and every such point with room for the open
    fingers on one of two square yaws (`finger_room`); with the layout's positions, which the
    simulator reproduces from the spec. `start_on`: the spec's blocks that start on others (the
    fingers around such a block only need room from what is not its stack or its bowl)."""
    for _ in range(tries):
        spec = SceneSpec(tuple(blocks), tuple(bowls), int(rng.integers(2**31 - 1)), start_on)
        try:
            layout = sample_layout(spec, WORKSPACE, RADII)
        except TableTooSmallError:
            continue
        positions = {name: (place.x, place.y) for name, place in layout.items()}
        if not accept(positions):
            continue
        points = list(free(positions))
        if (all(_clear(layout, xy) and finger_room(positions, xy) for xy in points)
                and all(finger_room(positions, positions[f"{c} block"], f"{c} block")
                        for c in blocks)):
            return spec, positions
    raise RuntimeError(f"no layout for blocks {blocks}, bowls {bowls} that the task accepts "
                       f"in {tries} tries")


def locations(*names: str) -> Callable[[Positions], Sequence[Point]]:
    """`free` for scene_satisfying: these named locations."""
    return lambda _: [LOCATIONS[name] for name in names]


def finger_room(positions: Positions, xy: Point, itself: str = "") -> bool:
    """Fingers opened around `xy` (a grasp or a release there) stay `FINGER_ROOM` clear of
    every other object's outline (but those standing at `xy` itself: its stack, its bowl) with
    the fingers across x or across y: a block hemmed in by bowls on both sides cannot be
    grasped, whichever way the gripper turns."""
    for axis in ((0.0, 1.0), (1.0, 0.0)):
        fingers = [(xy[0] + sign * FINGER_REACH * axis[0], xy[1] + sign * FINGER_REACH * axis[1])
                   for sign in (-1, 1)]
        if all(math.dist(finger, where) - RADII[name.rsplit(" ", 1)[1]] >= FINGER_ROOM
               for finger in fingers for name, where in positions.items()
               if name != itself and math.dist(where, xy) > 1e-6):  # not its own stack
            return True
    return False
