"""Where things are, as prompt lines a small model can copy from rather than compute.

A spatial reference ("the second block from the right", "the block closest to the blue bowl",
"the block to the left of the blue bowl", "the corner farthest from the blue bowl") is resolved
on the scene of the command, so these lines follow the episode's first objects line:

    blocks from the left = [green block, red block, yellow block]
    blocks from the right = [yellow block, red block, green block]
    blocks from the top = [red block, yellow block, green block]
    blocks from the bottom = [green block, yellow block, red block]
    blue bowl: left [green block], right [red block, yellow block], top [red block], bottom [], \
        closest red block, farthest green block, closest corner top left corner, \
        farthest corner bottom right corner   (one line)

Every ordering is written out in both directions (copying the third name of a list, not counting
from the end of another), and each bowl lists what lies to each side of it. Top is away from the
robot (+x), left is the robot's left (+y), as the camera image reads. Positions are perceived
ones; an object within `SIDE_MARGIN` of a bowl's centre line along an axis lies on neither side
of it along that axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from perception.types import Detection, Scene
from skills.places import CORNERS

SIDE_MARGIN = 0.02  # metres


def _names(objects: Sequence[Detection]) -> str:
    return f"[{', '.join(o.name for o in objects)}]"


def _sorted(blocks: Sequence[Detection], axis: int, sign: float) -> list[Detection]:
    """Largest `sign * coordinate` first; ties by name (deterministic)."""
    return sorted(blocks, key=lambda o: (-sign * o.position[axis], o.name))


def orderings(scene: Scene) -> list[str]:
    """The blocks from the left, right, top and bottom of the table."""
    blocks = scene.blocks
    if not blocks:
        return []
    return [f"blocks from the left = {_names(_sorted(blocks, 1, 1.0))}",
            f"blocks from the right = {_names(_sorted(blocks, 1, -1.0))}",
            f"blocks from the top = {_names(_sorted(blocks, 0, 1.0))}",
            f"blocks from the bottom = {_names(_sorted(blocks, 0, -1.0))}"]


def around(bowl: Detection, scene: Scene) -> str:
    """What lies to each side of a bowl, its closest and farthest block, and its closest and
    farthest corner."""
    bx, by = bowl.position[:2]
    blocks = scene.blocks
    sides = {
        "left": [b for b in _sorted(blocks, 1, -1.0) if b.position[1] > by + SIDE_MARGIN],
        "right": [b for b in _sorted(blocks, 1, 1.0) if b.position[1] < by - SIDE_MARGIN],
        "top": [b for b in _sorted(blocks, 0, -1.0) if b.position[0] > bx + SIDE_MARGIN],
        "bottom": [b for b in _sorted(blocks, 0, 1.0) if b.position[0] < bx - SIDE_MARGIN],
    }
    parts = [f"{side} {_names(found)}" for side, found in sides.items()]
    if blocks:
        by_distance = sorted(blocks, key=lambda b: (math.dist(b.position[:2], (bx, by)), b.name))
        parts += [f"closest {by_distance[0].name}", f"farthest {by_distance[-1].name}"]
    corners = sorted((c for c in CORNERS if c in scene.locations),
                     key=lambda c: math.dist(scene.locations[c], (bx, by)))
    if corners:
        parts += [f"closest corner {corners[0]}", f"farthest corner {corners[-1]}"]
    return f"{bowl.name}: {', '.join(parts)}"


def describe_space(scene: Scene) -> list[str]:
    """The prompt lines above, for the scene's blocks and each bowl in prompt order."""
    return orderings(scene) + [around(bowl, scene) for bowl in scene.ordered()
                               if bowl.kind == "bowl"]
