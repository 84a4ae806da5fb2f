"""Symbolic scenes (no simulator) for the timing scripts and the planner's tests: objects named
like "red block" at fixed table positions, with the workspace's named locations."""

from __future__ import annotations

from perception.types import Scene
from skills.relations import on_the_table
from skills.workspace import Workspace

SLOTS: tuple[tuple[float, float], ...] = (
    (0.34, -0.2), (0.46, 0.12), (0.60, -0.08), (0.40, 0.02), (0.55, 0.20), (0.66, 0.06),
    (0.34, 0.16), (0.50, -0.20),
)


def make_scene(*names: str) -> Scene:
    """A scene holding the named objects ("red block", "blue bowl") in the order of SLOTS."""
    if len(names) > len(SLOTS):
        raise ValueError(f"at most {len(SLOTS)} objects, got {len(names)}")
    return on_the_table(zip(names, SLOTS, strict=False), Workspace().named_locations())
