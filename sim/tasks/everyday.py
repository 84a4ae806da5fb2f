"""Everyday commands beyond Code as Policies' kinds: swap two blocks.

Not here, and why: "take everything out of the bowl" and "move the stack" need blocks that start
in a bowl or on a stack, which a `SceneSpec` cannot describe (its layout puts every object on the
table); "put it back where it was" after moving it has no honest end-state goal (the block at its
start position also holds when nothing moved)."""

from __future__ import annotations

from sim.tasks.layout import scene_satisfying
from sim.tasks.registration import FamilyInfo, register_family
from sim.tasks.task import SEEN_COLORS, Task, between, pick_colors, rng_for
from sim.tasks.wordings import Wordings, WordingSplit
from skills.goals import At
from skills.places import start_of

SWAP_FAMILY = "swap_blocks_v1"

SWAP = Wordings(
    train=(
        "swap the {a} block and the {b} block",
        "swap the positions of the {a} block and the {b} block",
        "put the {a} block where the {b} block is and the {b} block where the {a} block is",
        "exchange the places of the {a} block and the {b} block",
        "switch the {a} block and the {b} block around",
        "trade the places of the {a} block and the {b} block",
    ),
    held_out=(
        "could you swap where the {a} block and the {b} block are",
        "I want the {a} block and the {b} block to change places",
        "let the {a} block and the {b} block swap spots",
    ),
)


@register_family(SWAP_FAMILY, FamilyInfo(suite="everyday", colors=SEEN_COLORS))
def generate_swap(seed: int, wordings: WordingSplit = "train") -> Task:
    """Each of two blocks to where the other started (the scripted planner parks one first)."""
    rng = rng_for(SWAP_FAMILY, seed)
    blocks = pick_colors(rng, between(rng, 2, 4), SEEN_COLORS)
    bowls = pick_colors(rng, between(rng, 0, 2), SEEN_COLORS)
    a, b = blocks[0], blocks[1]
    instruction = SWAP.choose(rng, wordings).format(a=a, b=b)
    goal = (At(f"{a} block", start_of(f"{b} block")), At(f"{b} block", start_of(f"{a} block")))
    return Task(SWAP_FAMILY, seed, instruction, scene_satisfying(rng, blocks, bowls)[0], goal)
