"""Put every block in the bowl of its own colour."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import In

FAMILY = "matching_bowls_v1"

WORDINGS = Wordings(
    train=(
        "put the blocks in the bowls with matching colors",
        "put each block in the bowl of the same color",
        "sort the blocks into the bowls that match their colors",
        "place every block in the bowl with the same color",
        "move each block into the bowl that has its color",
        "put every block into the matching bowl",
        "match the blocks to the bowls by color",
        "drop each block in the bowl of its own color",
        "put each block in the bowl of its own color",
        "place the blocks into the bowls whose colors match them",
        "every block goes into the bowl with its color",
    ),
    held_out=(
        "could you put the blocks into the bowls of the same colors",
        "I want every block inside the bowl that matches its color",
        "sort the blocks by color into the bowls",
        "set each block in the same colored bowl",
    ),
)


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors))), colors)
    extra = pick_colors(rng, between(rng, 0, min(1, len(colors) - len(blocks))), colors,
                        exclude=tuple(blocks))
    bowls = [*pick_colors(rng, len(blocks), tuple(blocks)), *extra]
    goal = tuple(In(f"{c} block", f"{c} bowl") for c in blocks)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(family, seed, WORDINGS.choose(rng, wordings), spec, goal)
