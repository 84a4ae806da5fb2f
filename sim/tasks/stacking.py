"""stack_all: one tower of every block, any order. stack_order: a tower in a given order."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from skills.goals import Stacked, Tower

STACK_ALL_ID = "stack_all_v1"
STACK_ORDER_ID = "stack_order_v1"

STACK_ALL = (
    "stack all the blocks",
    "make one tower out of all the blocks",
    "put all the blocks in a single stack",
    "build a tower with every block",
)
STACK_ORDER = (
    "stack the blocks from bottom to top: {order}",
    "build a tower with the {first} block at the bottom, then {rest}",
    "make a stack of {order}, bottom first",
)


def _blocks_and_bowls(rng, colors: tuple[str, ...]) -> tuple[list[str], list[str]]:
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors))), colors)
    return blocks, pick_colors(rng, between(rng, 0, 2), colors)


def generate_stack_all(seed: int, colors: tuple[str, ...] = SEEN_COLORS,
                       task_id: str = STACK_ALL_ID) -> Task:
    rng = rng_for(task_id, seed)
    blocks, bowls = _blocks_and_bowls(rng, colors)
    goal = (Tower(tuple(f"{c} block" for c in blocks)),)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(task_id, task_id, seed, choose(rng, STACK_ALL), spec, goal)


def generate_stack_order(seed: int, colors: tuple[str, ...] = SEEN_COLORS,
                         task_id: str = STACK_ORDER_ID) -> Task:
    rng = rng_for(task_id, seed)
    blocks, bowls = _blocks_and_bowls(rng, colors)
    order = pick_colors(rng, len(blocks), tuple(blocks))
    names = [f"the {c} block" for c in order]
    instruction = choose(rng, STACK_ORDER).format(
        order=", ".join(names), first=order[0], rest=", then ".join(names[1:]))
    goal = (Stacked(tuple(f"{c} block" for c in order)),)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(task_id, task_id, seed, instruction, spec, goal)
