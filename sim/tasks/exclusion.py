"""All blocks but one into a bowl; the excluded block must not move."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import In, Unmoved

FAMILY = "exclusion_v1"

WORDINGS = Wordings(
    train=(
        "put all the blocks except the {x} one in the {bowl} bowl",
        "put every block but the {x} block in the {bowl} bowl",
        "move all blocks other than the {x} block into the {bowl} bowl",
        "leave the {x} block where it is and put the other blocks in the {bowl} bowl",
        "place all the blocks apart from the {x} block in the {bowl} bowl",
        "put the blocks in the {bowl} bowl, except the {x} block",
        "except for the {x} block, put all the blocks into the {bowl} bowl",
        "move every block that is not {x} to the {bowl} bowl",
        "put all the blocks but the {x} one into the {bowl} bowl",
        "don't move the {x} block, put the others in the {bowl} bowl",
        "put everything except the {x} block in the {bowl} bowl",
        "the {x} block stays; move the other blocks into the {bowl} bowl",
    ),
    held_out=(
        "could you put all blocks except the {x} block inside the {bowl} bowl",
        "I want every block but the {x} one in the {bowl} bowl",
        "keep the {x} block where it is and drop the rest into the {bowl} bowl",
        "set all the blocks other than the {x} one in the {bowl} bowl",
    ),
)


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 3, min(4, len(colors))), colors)
    bowls = pick_colors(rng, between(rng, 1, 2), colors)
    excluded, bowl = choose(rng, blocks), choose(rng, bowls)
    goal = (*(In(f"{c} block", f"{bowl} bowl") for c in blocks if c != excluded),
            Unmoved(f"{excluded} block"))
    instruction = WORDINGS.choose(rng, wordings).format(x=excluded, bowl=bowl)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(family, seed, instruction, spec, goal)
