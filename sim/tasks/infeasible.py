"""The command names an object that is not on the table: nothing may move, the plan must end."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import Unmoved

FAMILY = "infeasible_v1"

ABSENT = Wordings(
    train=(
        "put the {absent} block in the {bowl} bowl",
        "move the {absent} block to the {location}",
        "stack the {absent} block on the {block} block",
        "put the {block} block in the {absent} bowl",
        "put the {block} block on the {absent} block",
        "place the {absent} block into the {bowl} bowl",
        "drop the {block} block into the {absent} bowl",
        "put all the blocks in the {absent} bowl",
    ),
    held_out=(
        "could you put the {absent} block in the {bowl} bowl",
        "I want the {block} block on the {absent} block",
        "set the {absent} block at the {location}",
        "fill the {absent} bowl with the blocks",
    ),
)
LOCATIONS = ("top left corner", "bottom right corner", "left side", "middle")


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors) - 1)), colors)
    bowls = pick_colors(rng, between(rng, 1, min(3, len(colors) - 1)), colors)
    template = ABSENT.choose(rng, wordings)
    absent_kind = "bowl" if "{absent} bowl" in template else "block"
    present = bowls if absent_kind == "bowl" else blocks
    absent = choose(rng, [c for c in colors if c not in present])
    instruction = template.format(absent=absent, bowl=choose(rng, bowls), block=blocks[0],
                                  location=choose(rng, LOCATIONS))
    spec = placeable_scene(rng, blocks, bowls)
    goal = tuple(Unmoved(name) for name in spec.names)
    return Task(family, seed, instruction, spec, goal, infeasible=True)
