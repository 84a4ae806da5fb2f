"""Symbolic scenes (no simulator) for the timing scripts and the planner's tests: objects named
like "red block" at fixed table positions, with the workspace's named locations."""

from __future__ import annotations

from collections.abc import Sequence

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


def grid_scene(blocks: Sequence[str], bowls: Sequence[str], columns: int = 4) -> Scene:
    """A crowded table: blocks, then bowls, of the given colours on a grid over the workspace
    (rows of `columns`), for option sets of several hundred."""
    workspace = Workspace()
    names = [f"{c} block" for c in blocks] + [f"{c} bowl" for c in bowls]
    rows = -(-len(names) // columns)
    places = []
    for k, name in enumerate(names):
        row, column = divmod(k, columns)
        x = workspace.x_min + (workspace.x_max - workspace.x_min) * (row + 0.5) / rows
        y = workspace.y_min + (workspace.y_max - workspace.y_min) * (column + 0.5) / columns
        places.append((name, (x, y)))
    return on_the_table(places, workspace.named_locations())
