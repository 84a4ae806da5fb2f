"""Every shipped task family by its stable id: seed -> Task. Each family registers itself where
it is defined (`@register_family`, `sim/tasks/registration.py`); importing its module here loads
it. `FAMILIES` is in the order of `SHIPPED` (a module's families in the order it defines them),
the benchmark's and the demonstrations' order, whatever order the modules were imported in."""

from __future__ import annotations

from sim.tasks import (
    all_in_one,
    cap_long_horizon,
    cap_spatial,
    cap_unseen,
    corners_sides,
    everyday,
    exclusion,
    infeasible,
    long_horizon,
    matching_bowls,
    mismatched_bowls,
    out_of_scope,
    pick_place,
    stacking,
    typos,
    unseen_colors,
)
from sim.tasks.registration import INFO, REGISTERED, SUITES, FamilyInfo, Generator
from sim.tasks.task import Task
from sim.tasks.wordings import WordingSplit

SHIPPED = (pick_place, matching_bowls, mismatched_bowls, all_in_one, stacking, corners_sides,
           exclusion, unseen_colors, infeasible, long_horizon, out_of_scope, typos,  # core
           cap_long_horizon, cap_spatial, cap_unseen, everyday)


def _in_shipped_order() -> dict[str, Generator]:
    modules = [module.__name__ for module in SHIPPED]
    rank = {name: index for index, name in enumerate(modules)}
    return dict(sorted(REGISTERED.items(),
                       key=lambda item: rank.get(item[1].__module__, len(modules))))


FAMILIES: dict[str, Generator] = _in_shipped_order()
FAMILY_INFO: dict[str, FamilyInfo] = {family: INFO[family] for family in FAMILIES}
GROUPS: tuple[str, ...] = ("all", *SUITES)  # what `tasks=` may name besides family ids


def suite_families(group: str) -> list[str]:
    """The families of a suite (`core`, `cap`, `everyday`) or of them all (`all`), in order."""
    if group not in GROUPS:
        raise KeyError(f"unknown task group {group!r} (have {', '.join(GROUPS)})")
    return [f for f, info in FAMILY_INFO.items() if group == "all" or info.suite == group]


def generate(family: str, seed: int, wordings: WordingSplit = "train") -> Task:
    if family not in FAMILIES:
        raise KeyError(f"unknown task family {family!r} (have {', '.join(FAMILIES)})")
    return FAMILIES[family](seed, wordings=wordings)
