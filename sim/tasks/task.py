"""A benchmark task: a scene, an instruction and the goal that decides success."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perception.palette import PALETTE
from sim.scene_gen import SceneSpec
from skills.goals import Goal, describe

# The colours the planner's few-shot examples use, and the rest of the palette, which no example
# mentions. Families draw from SEEN_COLORS; the unseen_colors family only from UNSEEN_COLORS.
SEEN_COLORS: tuple[str, ...] = ("gray", "orange", "pink", "yellow", "cyan", "brown")
UNSEEN_COLORS: tuple[str, ...] = tuple(c for c in PALETTE if c not in SEEN_COLORS)
ALL_COLORS: tuple[str, ...] = tuple(PALETTE)


@dataclass(frozen=True)
class Task:
    """family: the stable id of the family that generated the task (e.g. pick_place_v1), or the
    id of a task file's entry (a family of one task); seed: the episode seed it was generated
    from. `infeasible`: the instruction names an absent object. `refusal`: the kind of
    capability the instruction asks for that no skill has (`skills.refusal.REFUSAL_KINDS`), ""
    for a command within the skills. `waypoints`: predicates that must each hold at some moment
    of the episode, in order, before the goal is judged at its end (`skills.goals.unmet_along`:
    "put it in the bowl, then put it back where it was")."""

    family: str
    seed: int
    instruction: str
    scene: SceneSpec
    goal: Goal
    infeasible: bool = False
    refusal: str = ""
    waypoints: Goal = ()

    @property
    def key(self) -> str:
        """Identifies the episode in a results file."""
        return f"{self.family}/{self.seed}"

    def goal_text(self) -> list[str]:
        return [describe(p) for p in self.goal]

    def waypoint_text(self) -> list[str]:
        return [describe(p) for p in self.waypoints]


def rng_for(family: str, seed: int) -> np.random.Generator:
    """A generator that depends on the family and the seed only (stable across runs)."""
    salt = sum(ord(c) * (i + 1) for i, c in enumerate(family))
    return np.random.default_rng([salt, seed])


def pick_colors(rng: np.random.Generator, n: int, pool: tuple[str, ...] = ALL_COLORS,
                exclude: tuple[str, ...] = ()) -> list[str]:
    choices = [c for c in pool if c not in exclude]
    if n > len(choices):
        raise ValueError(f"cannot pick {n} colours from {choices}")
    return [str(c) for c in rng.choice(choices, size=n, replace=False)]


def choose(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    return str(items[int(rng.integers(len(items)))])


def between(rng: np.random.Generator, low: int, high: int) -> int:
    """An integer in [low, high], both included."""
    return int(rng.integers(low, high + 1))
