"""Every shipped task family by its stable id: seed -> Task. Each family registers itself where
it is defined (`@register_family`, `sim/tasks/registration.py`); importing its module here loads
it, and the order of these imports is the benchmark's (and the demonstrations') order."""

from __future__ import annotations

# isort: off
from sim.tasks import (  # noqa: F401 - importing a family's module registers it
    pick_place,
    matching_bowls,
    mismatched_bowls,
    all_in_one,
    stacking,
    corners_sides,
    exclusion,
    unseen_colors,
    infeasible,
    long_horizon,
)
# isort: on
from sim.tasks.registration import FAMILIES
from sim.tasks.task import Task
from sim.tasks.wordings import WordingSplit

__all__ = ["FAMILIES", "generate"]


def generate(family: str, seed: int, wordings: WordingSplit = "train") -> Task:
    if family not in FAMILIES:
        raise KeyError(f"unknown task family {family!r} (have {', '.join(FAMILIES)})")
    return FAMILIES[family](seed, wordings=wordings)
