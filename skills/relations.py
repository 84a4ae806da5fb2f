"""What each block rests on, derived from the positions in a Scene: the relations the planner's
prompt shows as the scene is now (`red block in blue bowl`, `green block on yellow block`,
`yellow block at top left corner`, `pink block on the table`).

The tolerances are the skill library's perceived geometry (`skills.tolerances`): the affordances
and the compiler read the same scene the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from perception.types import Detection, Scene
from skills.tolerances import AT_TOLERANCE, BLOCK_SIZE, BOWL_RADIUS, STACK_TOLERANCE

__all__ = ["BLOCK_SIZE", "TABLE", "SceneGeometry", "describe_state", "horizontal",
           "on_the_table"]

TABLE = "the table"


@dataclass(frozen=True)
class SceneGeometry:
    """stack_tolerance: horizontal distance within which one block rests on another.
    bowl_radius: a block whose centre is this close to a bowl's centre is in it.
    at_tolerance: a block this close to a named location is at it."""

    stack_tolerance: float = STACK_TOLERANCE
    bowl_radius: float = BOWL_RADIUS
    at_tolerance: float = AT_TOLERANCE

    def block_below(self, block: Detection, scene: Scene) -> Detection | None:
        """The block this one rests on, if any."""
        for other in scene.blocks:
            rise = block.position[2] - other.position[2]
            if (other.name != block.name and horizontal(block, other.position)
                    < self.stack_tolerance and 0.5 * BLOCK_SIZE < rise < 1.5 * BLOCK_SIZE):
                return other
        return None

    def stack_under(self, block: Detection, scene: Scene) -> list[Detection]:
        """The block and the blocks it rests on, top first."""
        stack = [block]
        while (below := self.block_below(stack[-1], scene)) is not None and below not in stack:
            stack.append(below)
        return stack

    def block_on_top(self, block: Detection, scene: Scene) -> Detection | None:
        """A block resting on this one, if any."""
        return next((other for other in scene.blocks if other.name != block.name
                     and self.block_below(other, scene) == block), None)

    def bowl_around(self, block: Detection, scene: Scene) -> Detection | None:
        return min((bowl for bowl in scene.bowls
                    if horizontal(block, bowl.position) < self.bowl_radius),
                   key=lambda bowl: horizontal(block, bowl.position), default=None)

    def location_of(self, block: Detection, scene: Scene) -> str | None:
        return next((name for name, xy in scene.locations.items()
                     if horizontal(block, xy) < self.at_tolerance), None)

    def support(self, block: Detection, scene: Scene) -> tuple[str, str]:
        """(relation, what): ("on", "green block"), ("in", "blue bowl"), ("at", "middle") or
        ("on", "the table")."""
        below = self.block_below(block, scene)
        if below is not None:
            return "on", below.name
        bowl = self.bowl_around(block, scene)
        if bowl is not None:
            return "in", bowl.name
        location = self.location_of(block, scene)
        if location is not None:
            return "at", location
        return "on", TABLE

    def with_hidden(self, previous: Scene, now: Scene) -> Scene:
        """`now` plus the blocks of `previous` it does not show that lie under a block it does
        show (a top-down camera cannot see a block under another), and the bowls it does not
        show with a block it shows in them (blocks cover a bowl, and a colour detector sees a
        block of the bowl's colour in it as one object): kept where they were."""
        objects = list(now.objects)
        names = {o.name for o in objects}
        missing = [o for o in previous.blocks if o.name not in names]
        while missing:
            covered = [o for o in missing if any(
                b.kind == "block" and horizontal(b, o.position) < self.stack_tolerance
                and b.position[2] - o.position[2] > 0.5 * BLOCK_SIZE for b in objects)]
            if not covered:
                break
            objects += covered
            missing = [o for o in missing if o not in covered]
        objects += [bowl for bowl in previous.bowls if bowl.name not in names and any(
            b.kind == "block" and horizontal(b, bowl.position) < self.bowl_radius
            for b in now.objects)]
        return now.with_objects(objects)

    def relations(self, scene: Scene) -> tuple[str, ...]:
        """One relation per block, in the scene's prompt order."""
        return tuple(f"{block.name} {' '.join(self.support(block, scene))}"
                     for block in scene.ordered() if block.kind == "block")


def horizontal(obj: Detection, point: tuple[float, ...]) -> float:
    return math.hypot(obj.position[0] - point[0], obj.position[1] - point[1])


def describe_state(scene: Scene, geometry: SceneGeometry | None = None) -> str:
    """The scene as it is now, for the prompt: `state = [red block in blue bowl, ...]`."""
    return f"state = [{', '.join((geometry or SceneGeometry()).relations(scene))}]"


def on_the_table(places: Iterable[tuple[str, tuple[float, float]]],
                 locations: dict[str, tuple[float, float]]) -> Scene:
    """A scene of objects named like "red block" resting on the table at these (x, y): a block's
    position its centre, a bowl's its base, as perception reports them."""
    objects = []
    for name, (x, y) in places:
        color, kind = name.rsplit(" ", 1)
        z = BLOCK_SIZE / 2 if kind == "block" else 0.0
        objects.append(Detection(color, kind, (x, y, z)))  # type: ignore[arg-type]
    return Scene(tuple(objects), locations)
