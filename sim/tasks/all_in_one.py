"""Put all the blocks into one named bowl."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import In

FAMILY = "all_in_one_v1"

WORDINGS = Wordings(
    train=(
        "put all the blocks in the {bowl} bowl",
        "put every block in the {bowl} bowl",
        "gather all the blocks into the {bowl} bowl",
        "move all of the blocks to the {bowl} bowl",
        "place all blocks into the {bowl} bowl",
        "put each of the blocks in the {bowl} bowl",
        "collect the blocks in the {bowl} bowl",
        "drop all the blocks into the {bowl} bowl",
    ),
    held_out=(
        "could you put all of the blocks inside the {bowl} bowl",
        "I want all the blocks in the {bowl} bowl",
        "set every block in the {bowl} bowl",
        "fill the {bowl} bowl with all the blocks",
    ),
)


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 2, 3), colors)
    bowls = pick_colors(rng, between(rng, 1, min(3, len(colors))), colors)
    bowl = choose(rng, bowls)
    goal = tuple(In(f"{c} block", f"{bowl} bowl") for c in blocks)
    spec = placeable_scene(rng, blocks, bowls)
    instruction = WORDINGS.choose(rng, wordings).format(bowl=bowl)
    return Task(family, seed, instruction, spec, goal)
