"""Which tasks a benchmark run holds: generated from families, or read from a task file."""

from __future__ import annotations

from collections.abc import Sequence

from sim.tasks.registry import FAMILIES, GROUPS, generate, suite_families
from sim.tasks.task import Task
from sim.tasks.task_file import load_task_file
from sim.tasks.wordings import WordingSplit


def is_task_file(tasks: str | Sequence[str]) -> bool:
    return isinstance(tasks, str) and tasks.endswith((".yaml", ".yml"))


def family_ids(tasks: str | Sequence[str]) -> list[str]:
    """The family ids `tasks=` names: a family id, a group (`core`: the thirteen first families,
    the default; `cap`: Code as Policies' 28; `everyday`; `all`: every family), or a list of
    either (each family once, in the order given)."""
    names = [tasks] if isinstance(tasks, str) else [str(t) for t in tasks]
    unknown = [n for n in names if n not in FAMILIES and n not in GROUPS]
    if unknown:
        raise ValueError(f"unknown task family {', '.join(unknown)} (have: "
                         f"{', '.join(FAMILIES)}; the groups {', '.join(GROUPS)}; or give a "
                         f".yaml task file)")
    found = (suite_families(n) if n in GROUPS else [n] for n in names)
    return list(dict.fromkeys(family for group in found for family in group))


def build_suite(tasks: str | Sequence[str], episodes: int = 5, first_seed: int = 0,
                wordings: WordingSplit = "train") -> list[Task]:
    """A task file's tasks (checked completely first), or `episodes` seeds of each family with
    the family's training or held-out wordings."""
    if is_task_file(tasks):
        return load_task_file(str(tasks))
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    seeds = range(first_seed, first_seed + episodes)
    return [generate(family, seed, wordings) for family in family_ids(tasks) for seed in seeds]
