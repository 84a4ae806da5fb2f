"""Pick one block and place it in a bowl, on another block or at a named location."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import At, In, On

FAMILY = "pick_place_v1"

INTO_BOWL = Wordings(
    train=(
        "put the {block} block in the {bowl} bowl",
        "place the {block} block into the {bowl} bowl",
        "move the {block} block to the {bowl} bowl",
        "pick up the {block} block and put it in the {bowl} bowl",
        "drop the {block} block into the {bowl} bowl",
        "put the {block} block inside the {bowl} bowl",
    ),
    held_out=(
        "could you put the {block} block in the {bowl} bowl",
        "I want the {block} block in the {bowl} bowl",
        "pick up the {block} block and drop it in the {bowl} bowl",
    ),
)
ONTO_BLOCK = Wordings(
    train=(
        "put the {block} block on the {other} block",
        "stack the {block} block on top of the {other} block",
        "place the {block} block onto the {other} block",
        "move the {block} block onto the {other} block",
        "pick up the {block} block and put it on the {other} block",
    ),
    held_out=(
        "could you stack the {block} block on the {other} block",
        "set the {block} block on top of the {other} block",
    ),
)
TO_LOCATION = Wordings(
    train=(
        "put the {block} block in the {location}",
        "move the {block} block to the {location}",
        "place the {block} block at the {location}",
        "slide the {block} block to the {location}",
    ),
    held_out=(
        "I want the {block} block at the {location}",
        "could you move the {block} block over to the {location}",
    ),
)
LOCATIONS = ("top left corner", "top right corner", "bottom left corner", "bottom right corner",
             "top side", "bottom side", "left side", "right side", "middle")


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 2, min(5, len(colors))), colors)
    bowls = pick_colors(rng, between(rng, 1, min(5, len(colors))), colors)
    block, other = blocks[0], blocks[1]
    kind = between(rng, 0, 2)
    free: tuple[str, ...] = ()
    if kind == 0:
        bowl = choose(rng, bowls)
        instruction = INTO_BOWL.choose(rng, wordings).format(block=block, bowl=bowl)
        goal = (In(f"{block} block", f"{bowl} bowl"),)
    elif kind == 1:
        instruction = ONTO_BLOCK.choose(rng, wordings).format(block=block, other=other)
        goal = (On(f"{block} block", f"{other} block"),)
    else:
        location = choose(rng, LOCATIONS)
        free = (location,)
        instruction = TO_LOCATION.choose(rng, wordings).format(block=block, location=location)
        goal = (At(f"{block} block", location),)
    spec = placeable_scene(rng, blocks, bowls, free=free)
    return Task(family, seed, instruction, spec, goal)
