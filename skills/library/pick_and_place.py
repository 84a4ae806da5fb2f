"""`robot.pick_and_place(object, target)`: pick a block, put it on a block, in a bowl or at a
named location.

Positions come only from the `Scene` (what perception reported), never from the simulator.
The grasp is top-down (roll = pi, pitch = 0). A `Detection` carries no orientation, so the yaw
is `CompilerConfig.grasp_yaw` (default 0, fingers closing along y) or that plus 90 degrees (a cube
is symmetric), whichever leaves the open fingers more room from the neighbouring objects; the world
places blocks with a small yaw and the parallel fingers square a slightly turned cube as they
close. The release yaw is chosen the same way at the target.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from perception.types import Detection, Scene
from skills.compiler_config import CompilerConfig, top_down
from skills.places import Places
from skills.relations import TABLE, SceneGeometry, horizontal
from skills.skill import AffordanceContext, PromptExample, Skill, blocks_first
from skills.symbolic import SymbolicState
from skills.tolerances import BLOCK_SIZE, BOWL_FLOOR_HEIGHT, BOWL_RADIUS, MOVED_AFTER_RELEASE
from skills.types import Option, Primitive, Verdict

FINGER_ROOM = 0.01  # metres between an open finger's middle and an object's outline

# A base model's few-shot examples: (objects, command, (block, target) moves).
# Colours vary between examples but not every colour appears, so the model must copy names from
# the scene line rather than recall them. Covered: into a bowl, onto a block, named locations, two
# steps, and three commands naming an absent object (answered by done() at once). Order and mix
# were chosen on a 16-episode symbolic evaluation with Gemma 3 270M (27/30 steps right); the
# command above the objects line, mean-normalised scores or more two-step examples scored worse.
FEW_SHOT: tuple[tuple[tuple[str, ...], str, tuple[tuple[str, str], ...]], ...] = (
    (("gray block", "orange block", "pink block", "yellow bowl", "cyan bowl"),
            "put the gray block and the pink block in the cyan bowl",
            (("gray block", "cyan bowl"), ("pink block", "cyan bowl"))),
    (("yellow block", "pink block", "cyan bowl", "gray bowl"),
            "put the pink block in the gray bowl", (("pink block", "gray bowl"),)),
    (("orange block", "brown block", "gray bowl"),
            "put the cyan block in the gray bowl", ()),
    (("brown block", "orange block", "cyan block", "pink bowl"),
            "put the orange block on the brown block", (("orange block", "brown block"),)),
    (("cyan block", "yellow block", "brown bowl"),
            "move the yellow block to the top left corner", (("yellow block", "top left corner"),)),
    (("pink block", "brown block", "gray block", "orange bowl"),
            "move the brown block to the bottom side", (("brown block", "bottom side"),)),
    (("yellow block", "orange block", "brown bowl"),
            "put the pink block on the orange block", ()),
    (("yellow block", "cyan block", "pink bowl", "brown bowl"),
            "put the cyan block on the yellow block", (("cyan block", "yellow block"),)),
    (("gray block", "pink block", "cyan bowl", "yellow bowl"),
            "put the orange block in the yellow bowl", ()),
    (("gray block", "brown block", "yellow bowl"),
            "put the brown block in the middle", (("brown block", "middle"),)),
)


@dataclass(frozen=True)
class PickAndPlace(Skill):
    """Every seen block to every other object, every named location and every place of the
    kinds `places` switches on (`skills.places`: beside an object, line spots, start
    positions)."""

    name = "pick_and_place"
    arity = 2
    places: Places = field(default_factory=Places)

    def spots(self, scene: Scene) -> Mapping[str, tuple[float, float]]:
        """Every target on the table that is not an object: named locations, then places
        (computed once per scene: every option's affordance asks)."""
        return _spots(self.places, scene)

    def options(self, scene: Scene) -> list[Option]:
        objects = blocks_first(scene)
        targets = [o.name for o in objects] + list(self.spots(scene))
        return [self.option(block.name, target)
                for block in objects if block.kind == "block"
                for target in targets if target != block.name]

    def afford(self, option: Option, scene: Scene, context: AffordanceContext
               ) -> tuple[float, str]:
        obj_name, target_name = option.args
        obj = scene.get(obj_name)
        if obj is None or obj.kind != "block":
            return 0.0, f"no {obj_name} is seen"
        if context.geometry.block_on_top(obj, scene) is not None:
            return 0.0, f"something is on top of the {obj_name}"
        target = scene.get(target_name)
        if target is not None:
            return _onto_object(obj, target, scene, context)
        spot = self.spots(scene).get(target_name)
        if spot is not None:
            return _onto_location(obj, target_name, spot, scene, context)
        return 0.0, f"no {target_name} is seen"

    def compile(self, option: Option, scene: Scene, config: CompilerConfig) -> list[Primitive]:
        if len(option.args) != 2:
            raise ValueError(f"pick_and_place takes (object, target), got {option.args}")
        return pick_and_place(scene, *option.args, config, self.spots(scene))

    def apply(self, option: Option, state: SymbolicState) -> SymbolicState:
        """The block ends on the target; a covered block or target changes nothing (on the
        real arm the affordance vetoes it)."""
        block, target = option.args
        if block not in state.support or block == target or state.covered(block):
            return state
        if target in state.support and state.covered(target):
            return state
        return state.put(block, target)


    def imagine(self, option: Option, scene: Scene) -> Scene:
        """The block lands on the bowl's floor or on the blocks already in it, one block higher
        on a block, on the table at a location: where perception reports it after the place."""
        block, target = option.args
        moving = scene.get(block)
        if moving is None:
            raise ValueError(f"no {block} in the scene")
        others = [o for o in scene.objects if o.name != block]
        goal = scene.get(target)
        if goal is None:
            x, y = self.spots(scene)[target]
            z = BLOCK_SIZE / 2
        elif goal.kind == "bowl":
            x, y = goal.position[:2]
            inside = [o.position[2] for o in others if o.kind == "block"
                      and math.dist(o.position[:2], (x, y)) < BOWL_RADIUS]
            z = max(inside) + BLOCK_SIZE if inside else BOWL_FLOOR_HEIGHT + BLOCK_SIZE / 2
        else:
            x, y, below = goal.position
            z = below + BLOCK_SIZE
        return scene.with_position(block, (x, y, z))

    def verify(self, option: Option, scene: Scene, geometry: SceneGeometry,
               before: Scene | None = None) -> Verdict:
        """The block is seen in the bowl (or on blocks in it, as the goal model's `in` has it),
        on the block, or on the table at the location."""
        block_name, target_name = option.args
        block = scene.get(block_name)
        if block is None:
            return Verdict(False, f"{block_name} not seen")
        relation, support = geometry.support(block, scene)
        target = scene.get(target_name)
        spot = None if target is not None else self.spots(scene).get(target_name)
        on_table = relation == "at" or support == TABLE
        if target is not None and target.kind == "bowl":
            bowls = {geometry.bowl_around(b, scene) for b in geometry.stack_under(block, scene)}
            done = any(bowl is not None and bowl.name == target_name for bowl in bowls)
        elif target is not None:
            done = relation == "on" and support == target_name
        elif target_name in scene.locations:
            done = relation == "at" and support == target_name
        else:  # a place: on the table there, whichever named location it may be near
            done = spot is not None and on_table and horizontal(block, spot) < geometry.at_tolerance
        seen = f"{block_name} seen {relation} {support}"
        if done:
            return Verdict(True, seen)
        if target is not None and support != target_name:
            seen += f", {horizontal(block, target.position) * 100:.0f} cm from the {target_name}"
        elif spot is not None and (support == TABLE or (
                on_table and target_name not in scene.locations)):
            seen += f", {horizontal(block, spot) * 100:.0f} cm from the {target_name}"
        return Verdict(False, seen)

    def prompt_examples(self) -> tuple[PromptExample, ...]:
        return tuple(PromptExample(objects, command, tuple(self.option(*m) for m in moves))
                     for objects, command, moves in FEW_SHOT)

    def moved_after_release(self, option: Option, scene: Scene,
                            released_at: tuple[float, float, float]) -> str:
        """The block is seen `MOVED_AFTER_RELEASE` or more from where the gripper let go of it
        (on the target, as the arm reported): something moved it after the place."""
        block = scene.get(option.args[0])
        if block is None:
            return ""
        away = horizontal(block, released_at)
        if away < MOVED_AFTER_RELEASE:
            return ""
        return f"{block.name} seen {away * 100:.0f} cm from where the gripper let go of it"


PICK_AND_PLACE = PickAndPlace()


@functools.lru_cache(maxsize=32)
def _spots(places: Places, scene: Scene) -> Mapping[str, tuple[float, float]]:
    return MappingProxyType({**scene.locations, **places.points(scene)})


def pick_and_place_option(obj: str, target: str) -> Option:
    return PICK_AND_PLACE.option(obj, target)


def _onto_object(obj: Detection, target: Detection, scene: Scene, context: AffordanceContext
                 ) -> tuple[float, str]:
    if target.name == obj.name:
        return 0.0, "object and target are the same"
    geometry = context.geometry
    if target.kind == "block":
        if geometry.block_on_top(target, scene) is not None:
            return 0.0, f"the {target.name} is covered"
        if horizontal(obj, target.position) < geometry.stack_tolerance:
            return 0.0, f"the {obj.name} is already on the {target.name}"
    elif horizontal(obj, target.position) < geometry.bowl_radius:
        return 0.0, f"the {obj.name} is already in the {target.name}"
    if not context.reaches(obj.position, target.position):
        return 0.0, "out of reach"
    return min(obj.confidence, target.confidence), ""


def _onto_location(obj: Detection, location: str, xy: tuple[float, float], scene: Scene,
                   context: AffordanceContext) -> tuple[float, str]:
    x, y = xy
    clearance = context.location_clearance
    if horizontal(obj, (x, y)) < clearance:
        return 0.0, f"the {obj.name} is already at the {location}"
    for other in scene.objects:
        if other.name != obj.name and horizontal(other, (x, y)) < clearance:
            return 0.0, f"the {location} is occupied by the {other.name}"
    if not context.reaches(obj.position, (x, y, BLOCK_SIZE / 2)):
        return 0.0, "out of reach"
    return obj.confidence, ""


def pick_and_place(
    scene: Scene, obj_name: str, target_name: str, config: CompilerConfig,
    spots: Mapping[str, tuple[float, float]] | None = None,
) -> list[Primitive]:
    """The primitives; `spots`: the targets that are points on the table (default: the named
    locations)."""
    obj = _find(scene, obj_name, "object")
    if obj.kind != "block":
        raise ValueError(f"only blocks can be picked, not the {obj_name}")
    if target_name == obj_name:
        raise ValueError(f"cannot place the {obj_name} on itself")
    (tx, ty), place_z, target_top = _place_point(
        scene, target_name, config, scene.locations if spots is None else spots)
    ox, oy, oz = obj.position
    grasp_z = oz + config.grasp_offset
    travel_z = max(config.travel_height, target_top + config.block_size + config.travel_clearance,
                   oz + config.block_size / 2 + config.travel_clearance)

    pick_yaw = _roomy_yaw(scene, (ox, oy), {obj_name}, config)
    place_yaw = _roomy_yaw(scene, (tx, ty), {obj_name, target_name}, config)
    prims = [
        Primitive("open", "gripper_open"),
        Primitive("approach", "move_linear", pose=top_down(ox, oy, travel_z, pick_yaw)),
        Primitive("descend", "move_linear", pose=top_down(ox, oy, grasp_z, pick_yaw)),
        Primitive("grasp", "gripper_close", expect_held=True),
        Primitive("lift", "move_linear", pose=top_down(ox, oy, travel_z, pick_yaw)),
        Primitive("carry", "move_linear", pose=top_down(tx, ty, travel_z, place_yaw)),
        Primitive("lower", "move_linear", pose=top_down(tx, ty, place_z, place_yaw)),
        Primitive("release", "gripper_open", expect_held=True),
        Primitive("retreat", "move_linear", pose=top_down(tx, ty, travel_z, place_yaw)),
    ]
    if config.return_home:
        prims.append(Primitive("home", "home"))
    return prims


def _place_point(
    scene: Scene, target_name: str, config: CompilerConfig,
    spots: Mapping[str, tuple[float, float]],
) -> tuple[tuple[float, float], float, float]:
    """(x, y) of the target, TCP height at release, and the height of the target's top."""
    half = config.block_size / 2
    target = scene.get(target_name)
    if target is not None:
        tx, ty, tz = target.position
        if target.kind == "bowl":
            floor = tz + config.bowl_floor_height
            inside = [o.position[2] + half for o in scene.blocks
                      if math.dist(o.position[:2], (tx, ty)) < BOWL_RADIUS]
            if inside:  # blocks already in the bowl: release above the highest one
                top = max(inside)
                return (tx, ty), top + half + config.place_clearance, top
            return (tx, ty), floor + half + config.bowl_drop, floor + config.block_size
        top = tz + half
        return (tx, ty), top + half + config.place_clearance, top
    if target_name in spots:
        xy = spots[target_name]
        return xy, config.table_height + half + config.place_clearance, config.table_height
    known = [o.name for o in scene.objects] + list(spots)
    raise ValueError(f"unknown target {target_name!r}; the scene has {known}")


def _roomy_yaw(
    scene: Scene, xy: tuple[float, float], ignore: set[str], config: CompilerConfig
) -> float:
    """grasp_yaw (turned by grasp_yaw_turn), or that plus 90 degrees if it keeps the open fingers
    clearly further from the other objects. A turn that brings a finger within FINGER_ROOM of
    an object where the unturned yaws would not is not taken (a retry beside a bowl)."""
    def room(yaw: float) -> float:
        axis = (-math.sin(yaw), math.cos(yaw))  # direction the fingers open in, top-down grasp
        gaps = [math.inf]
        for obj in scene.objects:
            if obj.name in ignore:
                continue
            radius = config.bowl_outer_radius if obj.kind == "bowl" else config.block_size / 1.4
            for sign in (-1, 1):
                finger = (xy[0] + sign * config.finger_reach * axis[0],
                          xy[1] + sign * config.finger_reach * axis[1])
                gaps.append(math.dist(finger, obj.position[:2]) - radius)
        return min(gaps)

    def roomier(yaw: float) -> float:
        turned = yaw + math.pi / 2
        return turned if room(turned) > room(yaw) + 0.01 else yaw

    chosen = roomier(config.grasp_yaw + config.grasp_yaw_turn)
    if config.grasp_yaw_turn and room(chosen) < FINGER_ROOM:
        return max(chosen, roomier(config.grasp_yaw), key=room)  # a tie keeps the turn
    return chosen


def _find(scene: Scene, name: str, role: str) -> Detection:
    found = scene.get(name)
    if found is None:
        known = [o.name for o in scene.objects]
        raise ValueError(f"unknown {role} {name!r}; the scene has {known}")
    return found
