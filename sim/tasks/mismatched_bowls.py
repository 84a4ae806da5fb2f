"""Two blocks, two bowls of the same two colours: each block goes in the other colour's bowl."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from skills.goals import In

TASK_ID = "mismatched_bowls_v1"

WORDINGS = (
    "put the blocks in the bowls with mismatched colors",
    "put each block in the bowl of a different color",
    "put every block in a bowl that does not match its color",
)
NAMED = (  # with a distractor block on the table, the two blocks are named
    "put the {a} block and the {b} block in the bowls with mismatched colors",
    "put the {a} block and the {b} block in the bowls of the other color",
)


def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, task_id: str = TASK_ID) -> Task:
    rng = rng_for(task_id, seed)
    a, b = pick_colors(rng, 2, colors)
    distractors = pick_colors(rng, between(rng, 0, 1), colors, exclude=(a, b))
    blocks, bowls = [a, b, *distractors], pick_colors(rng, 2, (a, b))
    if distractors:
        instruction = choose(rng, NAMED).format(a=a, b=b)
    else:
        instruction = choose(rng, WORDINGS)
    goal = (In(f"{a} block", f"{b} bowl"), In(f"{b} block", f"{a} bowl"))
    spec = placeable_scene(rng, blocks, bowls)
    return Task(task_id, task_id, seed, instruction, spec, goal)
