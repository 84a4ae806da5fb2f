"""stack_all: one tower of every block, any order. stack_order: a tower in a given order."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import Stacked, Tower

STACK_ALL_FAMILY = "stack_all_v1"
STACK_ORDER_FAMILY = "stack_order_v1"

STACK_ALL = Wordings(
    train=(
        "stack all the blocks",
        "make one tower out of all the blocks",
        "put all the blocks in a single stack",
        "build a tower with every block",
        "stack every block on top of each other",
        "pile all the blocks into one tower",
        "stack the blocks into one pile",
        "put the blocks on top of one another",
    ),
    held_out=(
        "could you stack all of the blocks",
        "I want one tower made of all the blocks",
        "build a single stack from the blocks",
        "set all the blocks in one tower",
    ),
)
STACK_ORDER = Wordings(
    train=(
        "stack the blocks from bottom to top: {order}",
        "build a tower with the {first} block at the bottom, then {rest}",
        "make a stack of {order}, bottom first",
        "stack {order}, from the bottom up",
        "build a tower of {order}, starting at the bottom",
        "put {order} in a stack, the first at the bottom",
        "make a tower, bottom to top: {order}",
        "stack the blocks in this order from the bottom: {order}",
        "stack {order}, with the first one at the bottom",
        "build a stack from bottom to top: {order}",
        "pile up {order}, the first at the bottom",
        "put {order} on top of each other, the first at the bottom",
    ),
    held_out=(
        "could you stack the blocks bottom to top: {order}",
        "I want a tower of {order}, bottom first",
        "start a tower with the {first} block, then add {rest}",
        "set up a stack from the bottom: {order}",
    ),
)


def _blocks_and_bowls(rng, colors: tuple[str, ...]) -> tuple[list[str], list[str]]:
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors))), colors)
    return blocks, pick_colors(rng, between(rng, 0, 2), colors)


@register_family(STACK_ALL_FAMILY)
def generate_stack_all(seed: int, colors: tuple[str, ...] = SEEN_COLORS,
                       family: str = STACK_ALL_FAMILY, wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks, bowls = _blocks_and_bowls(rng, colors)
    goal = (Tower(tuple(f"{c} block" for c in blocks)),)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(family, seed, STACK_ALL.choose(rng, wordings), spec, goal)


@register_family(STACK_ORDER_FAMILY)
def generate_stack_order(seed: int, colors: tuple[str, ...] = SEEN_COLORS,
                         family: str = STACK_ORDER_FAMILY,
                         wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks, bowls = _blocks_and_bowls(rng, colors)
    order = pick_colors(rng, len(blocks), tuple(blocks))
    names = [f"the {c} block" for c in order]
    instruction = STACK_ORDER.choose(rng, wordings).format(
        order=", ".join(names), first=order[0], rest=", then ".join(names[1:]))
    goal = (Stacked(tuple(f"{c} block" for c in order)),)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(family, seed, instruction, spec, goal)
