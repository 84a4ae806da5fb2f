"""Code as Policies' long-horizon instruction kinds (seen instructions): pick and place, stack all
the blocks, all the blocks on a corner or side, all the blocks in a bowl, matching bowls."""

from __future__ import annotations

import numpy as np

from sim.scene_gen import SceneSpec
from sim.tasks.cap_common import Attributes, register_kind
from sim.tasks.layout import locations, scene_satisfying
from sim.tasks.task import between, choose, pick_colors
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import AllAt, Goal, In, On, Tower

CATEGORY = "long_horizon"

PICK_PLACE = Wordings(
    train=("pick up the {block} block and place it on the {target}",),
    taught=("put the {block} block on the {target}", "place the {block} block on the {target}"),
    held_out=("grab the {block} block and set it down on the {target}",
              "take the {block} block and put it on top of the {target}",
              "lift the {block} block, then drop it onto the {target}"),
)
STACK_ALL = Wordings(
    train=("stack all the blocks",),
    taught=("stack up all of the blocks", "stack the blocks on top of each other"),
    held_out=("put every block on top of one another", "pile all of the blocks up into one stack",
              "make a single tower from all of the blocks"),
)
ALL_AT = Wordings(
    train=("put all the blocks on the {location}",),
    taught=("put every block on the {location}", "place all the blocks at the {location}"),
    held_out=("move every block over to the {location}", "gather all of the blocks at the "
              "{location}", "bring each block to the {location}"),
)
ALL_IN = Wordings(
    train=("put the blocks in the {bowl} bowl",),
    taught=("put all the blocks in the {bowl} bowl", "put each block in the {bowl} bowl"),
    held_out=("drop every block into the {bowl} bowl", "the {bowl} bowl should hold all the "
              "blocks", "load all of the blocks into the {bowl} bowl"),
)
MATCHING = Wordings(
    train=("put all the blocks in the bowls with matching colors",),
    taught=("put every block in the bowl with the matching color",
            "place the blocks in the bowls whose colors match them"),
    held_out=("drop each block into the bowl that shares its color",
              "give every block the bowl of its own color", "match each block to its bowl by "
              "color"),
)


def _scene(rng: np.random.Generator, attributes: Attributes, blocks: tuple[int, int],
           bowls: tuple[int, int] = (1, 4)) -> tuple[list[str], list[str]]:
    colors = attributes.colors
    return (pick_colors(rng, between(rng, *blocks), colors),
            pick_colors(rng, between(rng, *bowls), colors))


@register_kind("pick_place", CATEGORY, __name__)
def pick_place(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
               ) -> tuple[str, SceneSpec, Goal]:
    """A block onto another block or into a bowl ("on the blue bowl", the paper's words)."""
    blocks, bowls = _scene(rng, attributes, (1, 4))
    block = blocks[0]
    onto_block = len(blocks) > 1 and bool(rng.integers(2))
    target = f"{blocks[1]} block" if onto_block else f"{choose(rng, bowls)} bowl"
    goal = (On(f"{block} block", target),) if onto_block else (In(f"{block} block", target),)
    instruction = PICK_PLACE.choose(rng, wordings).format(block=block, target=target)
    return instruction, scene_satisfying(rng, blocks, bowls)[0], goal


@register_kind("stack_all", CATEGORY, __name__)
def stack_all(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
              ) -> tuple[str, SceneSpec, Goal]:
    blocks, bowls = _scene(rng, attributes, (2, 4))
    goal = (Tower(tuple(f"{c} block" for c in blocks)),)
    return STACK_ALL.choose(rng, wordings), scene_satisfying(rng, blocks, bowls)[0], goal


@register_kind("all_at_location", CATEGORY, __name__)
def all_at_location(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                    ) -> tuple[str, SceneSpec, Goal]:
    """Every block at the corner or side, or on a stack standing there."""
    blocks, bowls = _scene(rng, attributes, (1, 4))
    location = choose(rng, attributes.locations)
    goal = (AllAt(location, tuple(f"{c} block" for c in blocks)),)
    instruction = ALL_AT.choose(rng, wordings).format(location=location)
    return instruction, scene_satisfying(rng, blocks, bowls, free=locations(location))[0], goal


@register_kind("all_in_bowl", CATEGORY, __name__)
def all_in_bowl(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                ) -> tuple[str, SceneSpec, Goal]:
    blocks, bowls = _scene(rng, attributes, (1, 4))
    bowl = choose(rng, bowls)
    goal = tuple(In(f"{c} block", f"{bowl} bowl") for c in blocks)
    instruction = ALL_IN.choose(rng, wordings).format(bowl=bowl)
    return instruction, scene_satisfying(rng, blocks, bowls)[0], goal


@register_kind("matching_bowls", CATEGORY, __name__)
def matching_bowls(rng: np.random.Generator, attributes: Attributes, wordings: WordingSplit
                   ) -> tuple[str, SceneSpec, Goal]:
    """1-4 blocks, each with the bowl of its colour, and up to 4 bowls in all."""
    colors = attributes.colors
    blocks = pick_colors(rng, between(rng, 1, 4), colors)
    extra = pick_colors(rng, between(rng, 0, 4 - len(blocks)), colors, exclude=tuple(blocks))
    bowls = [*pick_colors(rng, len(blocks), tuple(blocks)), *extra]
    goal = tuple(In(f"{c} block", f"{c} bowl") for c in blocks)
    return MATCHING.choose(rng, wordings), scene_satisfying(rng, blocks, bowls)[0], goal
