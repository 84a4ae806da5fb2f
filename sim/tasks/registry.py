"""Every task family by its stable id: seed -> Task."""

from __future__ import annotations

from collections.abc import Callable

from sim.tasks import (
    all_in_one,
    corners_sides,
    exclusion,
    infeasible,
    long_horizon,
    matching_bowls,
    mismatched_bowls,
    pick_place,
    stacking,
    unseen_colors,
)
from sim.tasks.task import Task
from sim.tasks.wordings import WordingSplit

# Each generator: (seed, wordings="train" | "held_out") -> Task.
FAMILIES: dict[str, Callable[..., Task]] = {
    pick_place.TASK_ID: pick_place.generate,
    matching_bowls.TASK_ID: matching_bowls.generate,
    mismatched_bowls.TASK_ID: mismatched_bowls.generate,
    all_in_one.TASK_ID: all_in_one.generate,
    stacking.STACK_ALL_ID: stacking.generate_stack_all,
    stacking.STACK_ORDER_ID: stacking.generate_stack_order,
    corners_sides.TASK_ID: corners_sides.generate,
    exclusion.TASK_ID: exclusion.generate,
    unseen_colors.TASK_ID: unseen_colors.generate,
    infeasible.TASK_ID: infeasible.generate,
    long_horizon.TASK_ID: long_horizon.generate,
}


def generate(family: str, seed: int, wordings: WordingSplit = "train") -> Task:
    if family not in FAMILIES:
        raise KeyError(f"unknown task family {family!r} (have {', '.join(FAMILIES)})")
    return FAMILIES[family](seed, wordings=wordings)
