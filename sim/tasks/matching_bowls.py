"""Put every block in the bowl of its own colour."""

from __future__ import annotations

from sim.tasks.layout import placeable_scene
from sim.tasks.task import SEEN_COLORS, Task, between, choose, pick_colors, rng_for
from skills.goals import In

TASK_ID = "matching_bowls_v1"

WORDINGS = (
    "put the blocks in the bowls with matching colors",
    "put each block in the bowl of the same color",
    "sort the blocks into the bowls that match their colors",
    "place every block in the bowl with the same color",
)


def generate(seed: int, colors: tuple[str, ...] = SEEN_COLORS, task_id: str = TASK_ID) -> Task:
    rng = rng_for(task_id, seed)
    blocks = pick_colors(rng, between(rng, 2, min(4, len(colors))), colors)
    extra = pick_colors(rng, between(rng, 0, min(1, len(colors) - len(blocks))), colors,
                        exclude=tuple(blocks))
    bowls = [*pick_colors(rng, len(blocks), tuple(blocks)), *extra]
    goal = tuple(In(f"{c} block", f"{c} bowl") for c in blocks)
    spec = placeable_scene(rng, blocks, bowls)
    return Task(task_id, task_id, seed, choose(rng, WORDINGS), spec, goal)
