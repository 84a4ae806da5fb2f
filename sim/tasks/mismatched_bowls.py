"""Two blocks, two bowls of the same two colours: each block goes in the other colour's bowl."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.registration import register_family
from sim.tasks.task import SEEN_COLORS, Task, between, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import In

FAMILY = "mismatched_bowls_v1"

WORDINGS = Wordings(
    train=(
        "put the blocks in the bowls with mismatched colors",
        "put each block in the bowl of a different color",
        "put every block in a bowl that does not match its color",
        "place each block into the bowl of the other color",
        "move the blocks into the bowls with the wrong colors",
        "put no block in the bowl of its own color",
        "place every block in a bowl whose color is different",
        "each block goes into the bowl that is not its color",
    ),
    held_out=(
        "could you put each block inside the bowl that has the other color",
        "swap the colors: every block goes in the bowl that does not match it",
    ),
)
NAMED = Wordings(  # with a distractor block on the table, the two blocks are named
    train=(
        "put the {a} block and the {b} block in the bowls with mismatched colors",
        "put the {a} block and the {b} block in the bowls of the other color",
        "place the {a} block and the {b} block into the bowls that do not match them",
        "move the {a} block and the {b} block to the bowls of the opposite color",
        "put the {a} block and the {b} block in the bowls of different colors",
    ),
    held_out=(
        "I want the {a} block and the {b} block in the bowls with the other colors",
        "drop the {a} block and the {b} block into the mismatched bowls",
    ),
)


@register_family(FAMILY)
def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, family: str = FAMILY,
             wordings: WordingSplit = "train") -> Task:
    rng = rng_for(family, seed)
    a, b = pick_colors(rng, 2, colors)
    distractors = pick_colors(rng, between(rng, 0, 1), colors, exclude=(a, b))
    blocks, bowls = [a, b, *distractors], pick_colors(rng, 2, (a, b))
    if distractors:
        instruction = NAMED.choose(rng, wordings).format(a=a, b=b)
    else:
        instruction = WORDINGS.choose(rng, wordings)
    goal = (In(f"{a} block", f"{b} bowl"), In(f"{b} block", f"{a} bowl"))
    spec = placeable_scene(rng, blocks, bowls)
    return Task(family, seed, instruction, spec, goal)
