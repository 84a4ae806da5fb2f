"""Pick one block and place it in a bowl, on another block or at a named location."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from skills.goals import At, In, On

TASK_ID = "pick_place_v1"

INTO_BOWL = (
    "put the {block} block in the {bowl} bowl",
    "place the {block} block into the {bowl} bowl",
    "move the {block} block to the {bowl} bowl",
    "pick up the {block} block and put it in the {bowl} bowl",
)
ONTO_BLOCK = (
    "put the {block} block on the {other} block",
    "stack the {block} block on top of the {other} block",
    "place the {block} block onto the {other} block",
)
TO_LOCATION = (
    "put the {block} block in the {location}",
    "move the {block} block to the {location}",
    "place the {block} block at the {location}",
)
LOCATIONS = ("top left corner", "top right corner", "bottom left corner", "bottom right corner",
             "top side", "bottom side", "left side", "right side", "middle")


def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, task_id: str = TASK_ID) -> Task:
    rng = rng_for(task_id, seed)
    blocks = pick_colors(rng, between(rng, 2, min(5, len(colors))), colors)
    bowls = pick_colors(rng, between(rng, 1, min(5, len(colors))), colors)
    block, other = blocks[0], blocks[1]
    kind = between(rng, 0, 2)
    free: tuple[str, ...] = ()
    if kind == 0:
        bowl = choose(rng, bowls)
        instruction = choose(rng, INTO_BOWL).format(block=block, bowl=bowl)
        goal = (In(f"{block} block", f"{bowl} bowl"),)
    elif kind == 1:
        instruction = choose(rng, ONTO_BLOCK).format(block=block, other=other)
        goal = (On(f"{block} block", f"{other} block"),)
    else:
        location = choose(rng, LOCATIONS)
        free = (location,)
        instruction = choose(rng, TO_LOCATION).format(block=block, location=location)
        goal = (At(f"{block} block", location),)
    spec = placeable_scene(rng, blocks, bowls, free=free)
    return Task(task_id, task_id, seed, instruction, spec, goal)
