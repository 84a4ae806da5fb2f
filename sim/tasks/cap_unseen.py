"""Code as Policies' unseen instruction kinds (never trained on): different corners, mismatched
bowls, a stack on a corner or side, a block beside a bowl by a magnitude, the corner closest to
(farthest from) a bowl, a line of blocks. Where a kind has no direction, distance, magnitude or
line, its two families differ by colours and locations only."""

from __future__ import annotations

import numpy as np

from sim.scene_gen import SceneSpec
from sim.tasks.cap_common import (
    Attributes,
    by_distance,
    clear_gap,
    corner_points,
    register_kind,
)
from sim.tasks.layout import LOCATIONS, Positions, locations, scene_satisfying
from sim.tasks.task import between, choose, pick_colors
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import AllAt, At, Corners, Goal, In, Line, Tower
from skills.places import CORNERS, beside, beside_point, line_points, on_workspace

CATEGORY = "unseen_instruction"

CORNERS_WORDS = Wordings(
    train=("put all the blocks in different corners",),
    taught=("put each block in a different corner", "place the blocks in separate corners"),
    held_out=("give each block a corner of its own",
              "spread the blocks out so that every one sits in another corner"),
)
MISMATCHED = Wordings(
    train=("put the blocks in the bowls with mismatched colors",),
    taught=("put each block in a bowl of a different color",
            "place the blocks in bowls that do not match their colors"),
    held_out=("drop each block into a bowl whose color differs from its own",
              "no block may go in its own color's bowl: put them in the other bowls"),
)
STACK_AT = Wordings(
    train=("stack all the blocks on the {location}",),
    taught=("stack every block on the {location}",
            "make a stack of all the blocks on the {location}"),
    held_out=("build one tower of every block at the {location}",
              "pile all of the blocks up on the {location}"),
)
BESIDE = Wordings(
    train=("pick up the {block} block and place it {magnitude} to the {direction} of the "
           "{bowl} bowl",),
    taught=("move the {block} block {magnitude} to the {direction} of the {bowl} bowl",
            "put the {block} block next to the {bowl} bowl, {magnitude} to its {direction}"),
    held_out=("set the {block} block down {magnitude} to the {direction} of the {bowl} bowl",
              "move the {block} block so that it ends up {magnitude} to the {direction} of the "
              "{bowl} bowl"),
)
CORNER_DISTANCE = Wordings(
    train=("pick up the {block} block and place it in the corner {distance} to the {bowl} bowl",),
    taught=("put the {block} block in the corner {distance} to the {bowl} bowl",
            "move the {block} block to the corner {relation} the {bowl} bowl"),
    held_out=("take the {block} block to whichever corner is {relation} the {bowl} bowl",
              "put the {block} block in the corner of the table {relation} the {bowl} bowl"),
)
LINE = Wordings(
    train=("put all the blocks in a {line} line",),
    taught=("place the blocks in a {line} line", "make a {line} line of all the blocks"),
    held_out=("line up every block along a {line} line", "arrange the blocks in one {line} row"),
)
RELATION = {"closest": "closest to", "farthest": "farthest from"}


def _names(blocks: list[str]) -> tuple[str, ...]:
    return tuple(f"{c} block" for c in blocks)


@register_kind("different_corners", CATEGORY, __name__)
def different_corners(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                      ) -> tuple[str, SceneSpec, Goal]:
    """2-4 blocks; the corners the scripted planner fills (in `CORNERS` order) are free."""
    blocks = pick_colors(rng, between(rng, 2, 4), attributes.colors)
    bowls = pick_colors(rng, between(rng, 1, 4), attributes.colors)
    spec = scene_satisfying(rng, blocks, bowls, free=locations(*CORNERS[:len(blocks)]))[0]
    return CORNERS_WORDS.choose(rng, wordings), spec, (Corners(_names(blocks)),)


@register_kind("mismatched_bowls", CATEGORY, __name__)
def mismatched_bowls(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                     ) -> tuple[str, SceneSpec, Goal]:
    """Tables where the mismatched bowls are one assignment, so that `in` predicates can say
    it: two blocks and the two bowls of their colours (each block into the other's), or one
    block, its bowl and another (into the other)."""
    a, b = pick_colors(rng, 2, attributes.colors)
    if bool(rng.integers(2)):
        blocks, goal = [a, b], (In(f"{a} block", f"{b} bowl"), In(f"{b} block", f"{a} bowl"))
    else:
        blocks, goal = [a], (In(f"{a} block", f"{b} bowl"),)
    bowls = pick_colors(rng, 2, (a, b))
    return MISMATCHED.choose(rng, wordings), scene_satisfying(rng, blocks, bowls)[0], goal


@register_kind("stack_at_location", CATEGORY, __name__)
def stack_at_location(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                      ) -> tuple[str, SceneSpec, Goal]:
    blocks = pick_colors(rng, between(rng, 2, 4), attributes.colors)
    bowls = pick_colors(rng, between(rng, 1, 4), attributes.colors)
    location = choose(rng, attributes.locations)
    names = _names(blocks)
    instruction = STACK_AT.choose(rng, wordings).format(location=location)
    spec = scene_satisfying(rng, blocks, bowls, free=locations(location))[0]
    return instruction, spec, (AllAt(location, names), Tower(names))  # first on the location


@register_kind("place_beside", CATEGORY, __name__)
def place_beside(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                 ) -> tuple[str, SceneSpec, Goal]:
    """The place beside the bowl lies on the workspace, and nothing stands there."""
    blocks = pick_colors(rng, between(rng, 1, 4), attributes.colors)
    bowls = pick_colors(rng, between(rng, 1, 4), attributes.colors)
    bowl, block = choose(rng, bowls), blocks[0]
    magnitude, direction = choose(rng, attributes.magnitudes), choose(rng, attributes.directions)

    def target(points: Positions) -> tuple[float, float]:
        return beside_point(points[f"{bowl} bowl"], magnitude, direction)

    spec, _ = scene_satisfying(rng, blocks, bowls, lambda p: on_workspace(target(p), LOCATIONS),
                               lambda p: (target(p),))
    instruction = BESIDE.choose(rng, wordings).format(block=block, magnitude=magnitude,
                                                       direction=direction, bowl=bowl)
    return instruction, spec, (At(f"{block} block", beside(magnitude, direction,
                                                            f"{bowl} bowl")),)


@register_kind("corner_distance", CATEGORY, __name__)
def corner_distance(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                    ) -> tuple[str, SceneSpec, Goal]:
    """The corner closest to (farthest from) the bowl is MARGIN nearer (farther) than the next,
    and free."""
    blocks = pick_colors(rng, between(rng, 1, 4), attributes.colors)
    bowls = pick_colors(rng, between(rng, 1, 4), attributes.colors)
    bowl, block = choose(rng, bowls), blocks[0]
    distance = choose(rng, attributes.distances)

    def ranking(points: Positions) -> list[tuple[float, str]]:
        return by_distance(distance, points[f"{bowl} bowl"], corner_points())

    spec, points = scene_satisfying(rng, blocks, bowls, lambda p: clear_gap(ranking(p), 0),
                                    lambda p: (LOCATIONS[ranking(p)[0][1]],))
    corner = ranking(points)[0][1]
    instruction = CORNER_DISTANCE.choose(rng, wordings).format(
        block=block, distance=distance, relation=RELATION[distance], bowl=bowl)
    return instruction, spec, (At(f"{block} block", corner),)


@register_kind("line", CATEGORY, __name__)
def line(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
         ) -> tuple[str, SceneSpec, Goal]:
    """2-4 blocks and 1-2 bowls (more rarely leave a line's spots free); every spot free."""
    blocks = pick_colors(rng, between(rng, 2, 4), attributes.colors)
    bowls = pick_colors(rng, between(rng, 1, 2), attributes.colors)
    kind = choose(rng, attributes.lines)
    spots = line_points(kind, len(blocks), LOCATIONS)
    spec, _ = scene_satisfying(rng, blocks, bowls, free=lambda _: spots)
    instruction = LINE.choose(rng, wordings).format(line=kind)
    return instruction, spec, (Line(kind, _names(blocks)),)
