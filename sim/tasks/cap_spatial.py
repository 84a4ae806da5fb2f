"""Code as Policies' spatial-geometric instruction kinds (seen instructions): the block to a
direction of a bowl, the block closest to (farthest from) a bowl, the nth block from a side; each
placed on a corner or side.

The referred block is resolved when the task is generated, from the layout's positions, and the
layout is drawn again until the reference is clear: the referent stands `MARGIN` or more from
the next candidate along the axis or distance that decides it, so a centimetre of perception
noise cannot make another block the answer."""

from __future__ import annotations

import numpy as np

from sim.scene_gen import SceneSpec
from sim.tasks.cap_common import (
    MARGIN,
    NTH,
    Attributes,
    across,
    along,
    by_distance,
    clear_gap,
    ranked,
    register_kind,
)
from sim.tasks.layout import Positions, locations, scene_satisfying
from sim.tasks.task import between, choose, pick_colors
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import At, Goal

CATEGORY = "spatial_geometric"

DIRECTION = Wordings(
    train=("pick up the block to the {direction} of the {bowl} bowl and place it on the "
           "{location}",),
    taught=("put the block to the {direction} of the {bowl} bowl on the {location}",
            "place the block to the {direction} of the {bowl} bowl on the {location}"),
    held_out=("take the block that is to the {direction} of the {bowl} bowl and put it on the "
              "{location}",
              "move whichever block lies to the {direction} of the {bowl} bowl to the "
              "{location}"),
)
DISTANCE = Wordings(
    train=("pick up the block {distance} to the {bowl} bowl and place it on the {location}",),
    taught=("put the block {distance} to the {bowl} bowl on the {location}",
            "place the block {relation} the {bowl} bowl on the {location}"),
    held_out=("take the block that is {relation} the {bowl} bowl and put it on the {location}",
              "find the block {relation} the {bowl} bowl and move it to the {location}"),
)
NTH_FROM = Wordings(
    train=("pick up the {nth} block from the {direction} and place it on the {location}",),
    taught=("put the {nth} block from the {direction} on the {location}",
            "place the {nth} block from the {direction} on the {location}"),
    held_out=("counting from the {direction}, take the {nth} block and put it on the "
              "{location}",
              "move the {nth} block counting from the {direction} over to the {location}"),
)
RELATION = {"closest": "closest to", "farthest": "farthest from"}


def _colors(rng: np.random.Generator, attributes: Attributes, blocks: tuple[int, int]
            ) -> tuple[list[str], list[str]]:
    return (pick_colors(rng, between(rng, *blocks), attributes.colors),
            pick_colors(rng, between(rng, 1, 4), attributes.colors))


def _block_names(blocks: list[str]) -> list[str]:
    return [f"{c} block" for c in blocks]


@register_kind("pick_direction", CATEGORY, __name__)
def pick_direction(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                   ) -> tuple[str, SceneSpec, Goal]:
    """A block lies to the direction of a bowl (further that way than across it) and every other
    block at least MARGIN the other way; the bowl and the block are drawn from the pairs that
    are so."""
    blocks, bowls = _colors(rng, attributes, (1, 4))
    direction, location = choose(rng, attributes.directions), choose(rng, attributes.locations)
    names = _block_names(blocks)

    def pairs(points: Positions) -> list[tuple[str, str]]:
        def lone(bowl: str, block: str) -> bool:
            anchor, offset = points[bowl], along(direction, points[bowl], points[block])
            return (offset >= MARGIN and across(direction, anchor, points[block]) < offset
                    and all(along(direction, anchor, points[n]) <= -MARGIN
                            for n in names if n != block))
        return [(f"{b} bowl", n) for b in bowls for n in names if lone(f"{b} bowl", n)]

    spec, points = scene_satisfying(rng, blocks, bowls, lambda p: bool(pairs(p)),
                                    locations(location))
    found = pairs(points)
    bowl, referent = found[int(rng.integers(len(found)))]
    instruction = DIRECTION.choose(rng, wordings).format(
        direction=direction, bowl=bowl.removesuffix(" bowl"), location=location)
    return instruction, spec, (At(referent, location),)


@register_kind("pick_distance", CATEGORY, __name__)
def pick_distance(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                  ) -> tuple[str, SceneSpec, Goal]:
    """The block closest to (farthest from) the bowl, MARGIN nearer (farther) than the next."""
    blocks, bowls = _colors(rng, attributes, (2, 4))
    bowl, distance = choose(rng, bowls), choose(rng, attributes.distances)
    location = choose(rng, attributes.locations)
    anchor, names = f"{bowl} bowl", _block_names(blocks)

    def ranking(points: Positions) -> list[tuple[float, str]]:
        return by_distance(distance, points[anchor], {n: points[n] for n in names})

    spec, points = scene_satisfying(rng, blocks, bowls, lambda p: clear_gap(ranking(p), 0),
                                    locations(location))
    referent = ranking(points)[0][1]
    instruction = DISTANCE.choose(rng, wordings).format(
        distance=distance, relation=RELATION[distance], bowl=bowl, location=location)
    return instruction, spec, (At(referent, location),)


@register_kind("pick_nth", CATEGORY, __name__)
def pick_nth(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
             ) -> tuple[str, SceneSpec, Goal]:
    """The nth block counting from a side of the table ("the first block from the left": the
    one with the largest y), MARGIN apart from its neighbours in that order."""
    nth, direction = choose(rng, attributes.nths), choose(rng, attributes.directions)
    blocks, bowls = _colors(rng, attributes, (NTH[nth], 4))
    location = choose(rng, attributes.locations)
    names = _block_names(blocks)

    def ranking(points: Positions) -> list[tuple[float, str]]:
        return ranked(points, names, lambda p: along(direction, (0.0, 0.0), p))

    spec, points = scene_satisfying(rng, blocks, bowls,
                                    lambda p: clear_gap(ranking(p), NTH[nth] - 1),
                                    locations(location))
    referent = ranking(points)[NTH[nth] - 1][1]
    instruction = NTH_FROM.choose(rng, wordings).format(nth=nth, direction=direction,
                                                         location=location)
    return instruction, spec, (At(referent, location),)
