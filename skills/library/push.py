"""`robot.push(block, direction)`: the closed gripper slides a block a few centimetres along the
table toward the top, bottom, left or right of the workspace (top: away from the robot, left: to
its left, as the named locations have them).

What it is for: a block that landed against a bowl's rim or a neighbour, where the open fingers
cannot get down beside it, can be pushed clear and then picked. The tool comes down behind the
block (on the side away from the direction) with its fingers closed side by side across the
direction of travel, slides `distance` plus the gap it started from and lifts. Only
a block resting on the table (at a named location or not) with nothing on it is pushed, and
only where the fingers have room to come down and the block has room to go.

This module, `conf/skills/push.yaml`, its section of docs/skills.md and `tests/test_push.py`
are all of it (`stackbot skills=[pick_and_place,push] ...`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from perception.types import Detection, Scene
from skills.compiler_config import CompilerConfig, top_down
from skills.relations import TABLE as SEEN_TABLE
from skills.relations import SceneGeometry, horizontal
from skills.skill import AffordanceContext, Skill, blocks_first
from skills.symbolic import TABLE, SymbolicState
from skills.tolerances import BLOCK_SIZE, BOWL_OUTER_RADIUS
from skills.types import Option, Primitive, Verdict

# Unit vectors in the base frame (x away from the robot, y to its left).
DIRECTIONS: dict[str, tuple[float, float]] = {
    "top": (1.0, 0.0), "bottom": (-1.0, 0.0), "left": (0.0, 1.0), "right": (0.0, -1.0),
}
FINGER_HALF_THICKNESS = 0.01  # metres from the tool axis to the closed fingers' outer face
HALF_DIAGONAL = BLOCK_SIZE / math.sqrt(2)  # a block's outline, whatever its yaw
END_CLEARANCE = 0.005  # between a pushed block's outline and another's where it ends


@dataclass(frozen=True)
class Push(Skill):
    """distance: how far the block is slid (m). standoff: the gap between the block's face and
    the tool axis where the fingers come down. push_height: the tool point's height above the
    table while sliding (fingertips low on the block's face, clear of the table). room: free
    space (m) the fingers need around where they come down and the block around where it ends.
    seen_fraction: the share of `distance` the block must be seen to have moved for the push to
    count as done."""

    distance: float = 0.05
    standoff: float = 0.035
    push_height: float = 0.018
    room: float = 0.02
    seen_fraction: float = 0.5

    name = "push"
    arity = 2

    def __post_init__(self) -> None:
        if not 0.01 <= self.distance <= 0.15:
            raise ValueError(f"push distance must be in [0.01, 0.15] m, got {self.distance}")
        if self.standoff <= BLOCK_SIZE / 2 + FINGER_HALF_THICKNESS - 0.01:
            raise ValueError(f"push standoff {self.standoff} m would put the fingers on the block")
        if not 0.005 <= self.push_height < BLOCK_SIZE:
            raise ValueError(f"push_height must be in [0.005, {BLOCK_SIZE}) m, "
                             f"got {self.push_height}")
        if not 0 < self.seen_fraction <= 1:
            raise ValueError(f"seen_fraction must be in (0, 1], got {self.seen_fraction}")

    def options(self, scene: Scene) -> list[Option]:
        return [self.option(obj.name, direction) for obj in blocks_first(scene)
                if obj.kind == "block" for direction in DIRECTIONS]

    def afford(self, option: Option, scene: Scene, context: AffordanceContext
               ) -> tuple[float, str]:
        block_name, direction = option.args
        block = scene.get(block_name)
        if block is None or block.kind != "block":
            return 0.0, f"no {block_name} is seen"
        if direction not in DIRECTIONS:
            return 0.0, f"no direction {direction!r} (one of {', '.join(DIRECTIONS)})"
        geometry = context.geometry
        if geometry.block_on_top(block, scene) is not None:
            return 0.0, f"something is on top of the {block_name}"
        relation, support = geometry.support(block, scene)
        if relation in ("on", "in") and support != SEEN_TABLE:
            return 0.0, f"the {block_name} is {relation} the {support}, not on the table"
        start, end = self._start(block, direction), self._end(block, direction)
        for other in scene.objects:
            if other.name == block_name:
                continue
            outline = BOWL_OUTER_RADIUS if other.kind == "bowl" else HALF_DIAGONAL
            if horizontal(other, start) < outline + self.room:
                return 0.0, f"no room for the fingers beside the {other.name}"
            ends_at = horizontal(other, end)  # too near it, and nearer than now
            if ends_at < outline + HALF_DIAGONAL + END_CLEARANCE \
                    and ends_at < horizontal(other, block.position):
                return 0.0, f"the {other.name} is in the way"
        tool_end = self._tool_end(block, direction)
        if not context.reaches((*start, self.push_height), (*tool_end, self.push_height)):
            return 0.0, "out of reach"
        return block.confidence, ""

    def compile(self, option: Option, scene: Scene, config: CompilerConfig) -> list[Primitive]:
        block_name, direction = option.args
        block = scene.get(block_name)
        if block is None:
            raise ValueError(f"unknown object {block_name!r}; the scene has "
                             f"{[o.name for o in scene.objects]}")
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r} (one of {', '.join(DIRECTIONS)})")
        dx, dy = DIRECTIONS[direction]
        yaw = math.pi / 2 if dy else 0.0  # the closed fingers side by side across the push
        (sx, sy), (ex, ey) = self._start(block, direction), self._tool_end(block, direction)
        z = config.table_height + self.push_height
        travel = config.travel_height
        prims = [
            Primitive("close", "gripper_close", expect_held=False),
            Primitive("approach", "move_linear", pose=top_down(sx, sy, travel, yaw)),
            Primitive("descend", "move_linear", pose=top_down(sx, sy, z, yaw)),
            Primitive("push", "move_linear", pose=top_down(ex, ey, z, yaw)),
            Primitive("retreat", "move_linear", pose=top_down(ex, ey, travel, yaw)),
            Primitive("open", "gripper_open"),
        ]
        if config.return_home:
            prims.append(Primitive("home", "home"))
        return prims

    def apply(self, option: Option, state: SymbolicState) -> SymbolicState:
        """The block stays on the table, moved; a block on something or covered stays put
        (on the real arm the affordance vetoes it)."""
        block = option.args[0]
        if state.support.get(block) != TABLE or state.covered(block):
            return state
        return SymbolicState(state.support, state.moved | {block})

    def imagine(self, option: Option, scene: Scene) -> Scene:
        block_name, direction = option.args
        block = scene.get(block_name)
        if block is None:
            raise ValueError(f"no {block_name} in the scene")
        (x, y), z = self._end(block, direction), block.position[2]
        return scene.with_position(block_name, (x, y, z))

    def verify(self, option: Option, scene: Scene, geometry: SceneGeometry,
               before: Scene | None = None) -> Verdict:
        """The block is seen at least `seen_fraction` of `distance` further along the
        direction than it was on the scene the push was chosen on."""
        block_name, direction = option.args
        now = scene.get(block_name)
        was = before.get(block_name) if before is not None else None
        if was is None:
            return Verdict(True, f"where the {block_name} was is not known", checked=False)
        if now is None:
            return Verdict(False, f"{block_name} not seen")
        dx, dy = DIRECTIONS[direction]
        along = (now.position[0] - was.position[0]) * dx + (now.position[1] - was.position[1]) * dy
        seen = f"{block_name} seen {along * 100:.1f} cm toward the {direction} of where it was"
        return Verdict(along >= self.seen_fraction * self.distance, seen)

    def _start(self, block: Detection, direction: str) -> tuple[float, float]:
        """Where the tool comes down: behind the block, `standoff` from its centre."""
        dx, dy = DIRECTIONS[direction]
        x, y = block.position[:2]
        return x - dx * self.standoff, y - dy * self.standoff

    def _end(self, block: Detection, direction: str) -> tuple[float, float]:
        """Where the block's centre ends."""
        dx, dy = DIRECTIONS[direction]
        x, y = block.position[:2]
        return x + dx * self.distance, y + dy * self.distance

    def _tool_end(self, block: Detection, direction: str) -> tuple[float, float]:
        """Where the tool stops: `distance` past the point where the fingers meet the block."""
        dx, dy = DIRECTIONS[direction]
        contact = BLOCK_SIZE / 2 + FINGER_HALF_THICKNESS
        sx, sy = self._start(block, direction)
        travel = self.standoff - contact + self.distance
        return sx + dx * travel, sy + dy * travel
