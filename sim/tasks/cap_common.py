"""Code as Policies' tabletop benchmark (Liang et al. 2022, table III): its attribute splits and
how each of its instruction kinds registers two families, one drawing on the seen attributes
(`cap_<kind>_seen_v1`) and one on the unseen ones (`cap_<kind>_unseen_v1`).

A kind's train wording is the paper's own template; its held-out wordings are paraphrases. Only
the seen instructions with seen attributes are trainable (`FamilyInfo.trainable`): the paper's
protocol trains on nothing else. Directions follow `skills.places.DIRECTIONS` (top is away from
the robot, +x; left is the robot's left, +y); "the first block from the left" has the largest y.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.scene_gen import SceneSpec
from sim.tasks.layout import LOCATIONS, Point, Positions
from sim.tasks.registration import FamilyInfo, register_family
from sim.tasks.task import Task, rng_for
from sim.tasks.wordings import WordingSplit
from skills.goals import Goal
from skills.places import CORNERS, DIRECTIONS

MARGIN = 0.05  # metres between a referred object and the next candidate (perception is off ~1 cm)


@dataclass(frozen=True)
class Attributes:
    """One of the paper's two attribute sets."""

    split: str
    colors: tuple[str, ...]
    locations: tuple[str, ...]  # corners and sides
    directions: tuple[str, ...]
    distances: tuple[str, ...]
    magnitudes: tuple[str, ...]
    nths: tuple[str, ...]
    lines: tuple[str, ...]


SEEN = Attributes("seen", ("blue", "red", "green", "orange", "yellow"),
                  ("left side", "top left corner", "top side", "top right corner"),
                  ("top", "left"), ("closest",), ("a little",), ("first", "second"),
                  ("horizontal", "vertical"))
UNSEEN = Attributes("unseen", ("pink", "cyan", "brown", "gray", "purple"),
                    ("bottom right corner", "bottom side", "bottom left corner"),
                    ("bottom", "right"), ("farthest",), ("a lot",), ("third", "fourth"),
                    ("diagonal",))
NTH: dict[str, int] = {"first": 1, "second": 2, "third": 3, "fourth": 4}

KindGenerator = Callable[[np.random.Generator, Attributes, WordingSplit],
                         tuple[str, SceneSpec, Goal]]


def cap_family(kind: str, split: str) -> str:
    return f"cap_{kind}_{split}_v1"


def register_kind(kind: str, category: str, module: str
                  ) -> Callable[[KindGenerator], KindGenerator]:
    """Register the kind's two families (seen attributes, then unseen) as defined in `module`
    (the registry orders families by module, then as each module registers them)."""
    def register(make: KindGenerator) -> KindGenerator:
        for attributes in (SEEN, UNSEEN):
            family = cap_family(kind, attributes.split)
            trainable = category != "unseen_instruction" and attributes is SEEN
            info = FamilyInfo("cap", trainable, category, kind, attributes.split,
                              attributes.colors)
            generate = _generator(family, attributes, make)
            generate.__module__ = module
            register_family(family, info)(generate)
        return make
    return register


def _generator(family: str, attributes: Attributes, make: KindGenerator
               ) -> Callable[..., Task]:
    def generate(seed: int, wordings: WordingSplit = "train") -> Task:
        instruction, spec, goal = make(rng_for(family, seed), attributes, wordings)
        return Task(family, seed, instruction, spec, goal)
    generate.__qualname__ = generate.__name__ = f"generate_{family}"
    return generate


def along(direction: str, origin: Point, point: Point) -> float:
    """How far `point` lies from `origin` in `direction` (negative: the other way)."""
    dx, dy = DIRECTIONS[direction]
    return (point[0] - origin[0]) * dx + (point[1] - origin[1]) * dy


def across(direction: str, origin: Point, point: Point) -> float:
    """How far `point` lies from the line through `origin` in `direction`."""
    dx, dy = DIRECTIONS[direction]
    return abs((point[0] - origin[0]) * dy - (point[1] - origin[1]) * dx)


def ranked(points: Positions, names: list[str], key: Callable[[Point], float]
           ) -> list[tuple[float, str]]:
    """(key, name) of the named points, largest key first."""
    return sorted(((key(points[n]), n) for n in names), reverse=True)


def clear_gap(ordered: list[tuple[float, str]], index: int) -> bool:
    """The entry at `index` of a ranking stands at least MARGIN from its neighbours."""
    value = ordered[index][0]
    neighbours = [ordered[i][0] for i in (index - 1, index + 1) if 0 <= i < len(ordered)]
    return all(abs(value - other) >= MARGIN for other in neighbours)


def by_distance(distance: str, anchor: Point, points: dict[str, Point]
                ) -> list[tuple[float, str]]:
    """The names ranked so that the one `distance` (closest / farthest) to `anchor` is first."""
    sign = -1.0 if distance == "closest" else 1.0
    return ranked(points, list(points), lambda p: sign * math.dist(p, anchor))


def corner_points() -> dict[str, Point]:
    return {corner: LOCATIONS[corner] for corner in CORNERS}
