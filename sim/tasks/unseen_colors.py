"""The same families, with colours that no few-shot example of the planner's prompt mentions."""

from __future__ import annotations

from sim.tasks import all_in_one, matching_bowls, pick_place, stacking
from sim.tasks.registration import FamilyInfo, register_family
from sim.tasks.task import UNSEEN_COLORS, Task, rng_for
from sim.tasks.wordings import WordingSplit

FAMILY = "unseen_colors_v1"

SUB_FAMILIES = (
    pick_place.generate,
    matching_bowls.generate,
    all_in_one.generate,
    stacking.generate_stack_order,
)


@register_family(FAMILY, FamilyInfo(trainable=False, colors=UNSEEN_COLORS))  # stays unseen
def generate(seed: int, wordings: WordingSplit = "train") -> Task:
    rng = rng_for(FAMILY, seed)
    sub_family = SUB_FAMILIES[int(rng.integers(len(SUB_FAMILIES)))]
    return sub_family(seed, colors=UNSEEN_COLORS, family=FAMILY, wordings=wordings)
