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
    pick_place.FAMILY: pick_place.generate,
    matching_bowls.FAMILY: matching_bowls.generate,
    mismatched_bowls.FAMILY: mismatched_bowls.generate,
    all_in_one.FAMILY: all_in_one.generate,
    stacking.STACK_ALL_FAMILY: stacking.generate_stack_all,
    stacking.STACK_ORDER_FAMILY: stacking.generate_stack_order,
    corners_sides.FAMILY: corners_sides.generate,
    exclusion.FAMILY: exclusion.generate,
    unseen_colors.FAMILY: unseen_colors.generate,
    infeasible.FAMILY: infeasible.generate,
    long_horizon.FAMILY: long_horizon.generate,
}


def generate(family: str, seed: int, wordings: WordingSplit = "train") -> Task:
    if family not in FAMILIES:
        raise KeyError(f"unknown task family {family!r} (have {', '.join(FAMILIES)})")
    return FAMILIES[family](seed, wordings=wordings)
