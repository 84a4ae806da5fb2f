"""Put all the blocks into one named bowl."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from skills.goals import In

TASK_ID = "all_in_one_v1"

WORDINGS = (
    "put all the blocks in the {bowl} bowl",
    "put every block in the {bowl} bowl",
    "gather all the blocks into the {bowl} bowl",
    "move all of the blocks to the {bowl} bowl",
)


def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, task_id: str = TASK_ID) -> Task:
    rng = rng_for(task_id, seed)
    blocks = pick_colors(rng, between(rng, 2, 3), colors)
    bowls = pick_colors(rng, between(rng, 1, min(3, len(colors))), colors)
    bowl = choose(rng, bowls)
    goal = tuple(In(f"{c} block", f"{bowl} bowl") for c in blocks)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(task_id, task_id, seed, choose(rng, WORDINGS).format(bowl=bowl), spec, goal)
