"""Places on the table beyond the objects and the nine named locations, and their names.

Three kinds, each switched on in `pick_and_place`'s config (`skills.library.pick_and_place`):
- beside an object: `a little to the left of the blue bowl`, four directions (top is away from
  the robot, left is the robot's left, as in the top-down camera image) and two magnitudes,
  `MAGNITUDES` metres from the object's centre (20% and 40% of the 0.6 m workspace width, the
  way Code as Policies sizes "a little" and "a lot" against its workspace);
- the spots of a line of blocks: `spot 2 of the horizontal line`, as many spots as the table
  has blocks, evenly spaced between the line's ends (`LINES`: named locations);
- where a block was at the start of the episode: `where the red block started` (the scene's
  `start`, perceived at the episode's first look).

Points come from perceived positions only. A place off the workspace (beyond the rectangle of
the corner locations, `OFF_TABLE_MARGIN`) is not offered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from perception.types import Scene

Point = tuple[float, float]

DIRECTIONS: dict[str, Point] = {"top": (1.0, 0.0), "left": (0.0, 1.0),
                                "bottom": (-1.0, 0.0), "right": (0.0, -1.0)}
MAGNITUDES: dict[str, float] = {"a little": 0.12, "a lot": 0.24}
LINES: dict[str, tuple[str, str]] = {
    "horizontal": ("left side", "right side"),
    "vertical": ("top side", "bottom side"),
    "diagonal": ("top left corner", "bottom right corner"),
}
CORNERS: tuple[str, ...] = ("top left corner", "top right corner", "bottom left corner",
                            "bottom right corner")
OFF_TABLE_MARGIN = 0.02  # metres beyond the corner locations a place may still lie

_BESIDE = re.compile(r"^(?P<magnitude>a little|a lot) to the (?P<direction>top|left|bottom|"
                     r"right) of the (?P<anchor>\w+ (?:block|bowl))$")
_SPOT = re.compile(r"^spot (?P<number>\d+) of the (?P<line>horizontal|vertical|diagonal) line$")
_START = re.compile(r"^where the (?P<object>\w+ (?:block|bowl)) started$")


def beside(magnitude: str, direction: str, anchor: str) -> str:
    """e.g. `a little to the left of the blue bowl`."""
    if magnitude not in MAGNITUDES:
        raise ValueError(f"unknown magnitude {magnitude!r} (expected {', '.join(MAGNITUDES)})")
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r} (expected {', '.join(DIRECTIONS)})")
    return f"{magnitude} to the {direction} of the {anchor}"


def line_spot(line: str, number: int) -> str:
    """e.g. `spot 2 of the horizontal line` (numbered from 1)."""
    if line not in LINES:
        raise ValueError(f"unknown line {line!r} (expected {', '.join(LINES)})")
    return f"spot {number} of the {line} line"


def start_of(obj: str) -> str:
    """e.g. `where the red block started`."""
    return f"where the {obj} started"


def is_place(name: str) -> bool:
    """Whether the name is one of this module's places (not an object or a named location)."""
    return any(pattern.match(name) for pattern in (_BESIDE, _SPOT, _START))


def is_start(name: str) -> bool:
    """Whether the name is a start place (`where the red block started`)."""
    return _START.match(name) is not None


def beside_point(anchor: Point, magnitude: str, direction: str) -> Point:
    dx, dy = DIRECTIONS[direction]
    distance = MAGNITUDES[magnitude]
    return (anchor[0] + distance * dx, anchor[1] + distance * dy)


def line_points(line: str, count: int, locations: Mapping[str, Point]) -> list[Point]:
    """`count` points evenly spaced from the line's first end to its last (one: the middle)."""
    first, last = (locations[end] for end in LINES[line])
    if count == 1:
        return [((first[0] + last[0]) / 2, (first[1] + last[1]) / 2)]
    return [(first[0] + (last[0] - first[0]) * k / (count - 1),
             first[1] + (last[1] - first[1]) * k / (count - 1)) for k in range(count)]


def point_of(name: str, positions: Mapping[str, Sequence[float]],
             start: Mapping[str, Sequence[float]]) -> Point | None:
    """The point a beside or start place stands for, given the objects' positions now and at
    the start (None: not such a place, or its object is unknown). Line spots depend on how many
    blocks the table has: `Places.points` gives them."""
    if (found := _BESIDE.match(name)) is not None:
        anchor = positions.get(found["anchor"])
        return None if anchor is None else beside_point(
            (anchor[0], anchor[1]), found["magnitude"], found["direction"])
    if (found := _START.match(name)) is not None:
        where = start.get(found["object"])
        return None if where is None else (where[0], where[1])
    return None


@dataclass(frozen=True)
class Places:
    """Which kinds of place are offered as targets, besides objects and named locations."""

    beside: bool = False
    lines: bool = False
    starts: bool = False

    def points(self, scene: Scene) -> dict[str, Point]:
        """Every place of the switched-on kinds on the scene, in a fixed order, off-table
        ones left out."""
        found: dict[str, Point] = {}
        if self.beside:
            for anchor in scene.ordered():
                for direction in DIRECTIONS:
                    for magnitude in MAGNITUDES:
                        found[beside(magnitude, direction, anchor.name)] = beside_point(
                            anchor.position[:2], magnitude, direction)
        if self.lines and len(scene.blocks) >= 2 and _has(scene.locations, LINES.values()):
            for line in LINES:
                for number, xy in enumerate(line_points(line, len(scene.blocks),
                                                        scene.locations), start=1):
                    found[line_spot(line, number)] = xy
        if self.starts:
            for obj in sorted(scene.start, key=lambda o: o.name):
                if obj.kind == "block":
                    found[start_of(obj.name)] = obj.position[:2]
        return {name: xy for name, xy in found.items() if on_workspace(xy, scene.locations)}


def on_workspace(xy: Point, locations: Mapping[str, Point]) -> bool:
    """Within the rectangle of the corner locations (plus `OFF_TABLE_MARGIN`); with no corner
    locations known, everywhere."""
    corners = [locations[c] for c in CORNERS if c in locations]
    if not corners:
        return True
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs) - OFF_TABLE_MARGIN <= xy[0] <= max(xs) + OFF_TABLE_MARGIN
            and min(ys) - OFF_TABLE_MARGIN <= xy[1] <= max(ys) + OFF_TABLE_MARGIN)


def _has(locations: Mapping[str, Point], pairs: Iterable[tuple[str, str]]) -> bool:
    return all(end in locations for pair in pairs for end in pair)
