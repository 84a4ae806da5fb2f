"""The compiler: a chosen step -> the motor primitives that carry it out.

Positions come only from the `Scene` (what perception reported), never from the simulator.
The grasp is top-down (roll = pi, pitch = 0). A `Detection` carries no orientation, so the yaw
is `CompilerConfig.grasp_yaw` (default 0, fingers closing along y) or that plus 90 degrees (a cube
is symmetric), whichever leaves the open fingers more room from the neighbouring objects; the world
places blocks with a small yaw and the parallel fingers square a slightly turned cube as they
close. The release yaw is chosen the same way at the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from perception.types import Detection, Scene
from skills.types import DONE_SKILL, Pose, Primitive, Step

PICK_AND_PLACE = "pick_and_place"


@dataclass(frozen=True)
class CompilerConfig:
    """Heights are tool-point (TCP, between the fingertips) heights in metres, base frame.

    travel_height: TCP height for approach, lift, carry and retreat (raised further above tall
    targets by travel_clearance). grasp_offset: TCP height above a block's centre when grasping.
    place_clearance: gap left under the block when releasing it onto a block or the table;
    bowl_drop: the same inside an empty bowl, whose floor is bowl_floor_height above its base;
    blocks seen within bowl_radius of a bowl's centre are in it, and a new one goes on top.
    finger_reach: distance from the tool axis to the middle of an open finger (for the yaw
    choice). return_home: finish with the arm at home (out of the camera's view) so the next frame
    sees the result.
    """

    block_size: float = 0.04
    table_height: float = 0.0
    bowl_floor_height: float = 0.006
    travel_height: float = 0.15
    travel_clearance: float = 0.08
    grasp_offset: float = 0.0
    place_clearance: float = 0.006
    bowl_drop: float = 0.02
    bowl_radius: float = 0.06
    bowl_outer_radius: float = 0.07
    finger_reach: float = 0.055
    grasp_yaw: float = 0.0
    return_home: bool = True

    def __post_init__(self) -> None:
        if self.block_size <= 0:
            raise ValueError(f"block_size must be positive, got {self.block_size}")
        if self.travel_height <= self.table_height + self.block_size:
            raise ValueError(f"travel_height {self.travel_height} is too low to carry a block")
        if self.place_clearance < 0 or self.bowl_drop < 0:
            raise ValueError("place_clearance and bowl_drop must be non-negative")


def compile_step(step: Step, scene: Scene, config: CompilerConfig) -> list[Primitive]:
    """Primitives for `step`; `done` compiles to none. Raises ValueError for an unknown skill,
    object or target."""
    option = step.option
    if option.skill == DONE_SKILL:
        return []
    if option.skill != PICK_AND_PLACE:
        raise ValueError(f"cannot compile unknown skill {option.skill!r}")
    if len(option.args) != 2:
        raise ValueError(f"pick_and_place takes (object, target), got {option.args}")
    obj_name, target_name = option.args
    return pick_and_place(scene, obj_name, target_name, config)


def pick_and_place(
    scene: Scene, obj_name: str, target_name: str, config: CompilerConfig
) -> list[Primitive]:
    obj = _find(scene, obj_name, "object")
    if obj.kind != "block":
        raise ValueError(f"only blocks can be picked, not the {obj_name}")
    if target_name == obj_name:
        raise ValueError(f"cannot place the {obj_name} on itself")
    (tx, ty), place_z, target_top = _place_point(scene, target_name, config)
    ox, oy, oz = obj.position
    grasp_z = oz + config.grasp_offset
    travel_z = max(config.travel_height, target_top + config.block_size + config.travel_clearance,
                   oz + config.block_size / 2 + config.travel_clearance)

    pick_yaw = _roomy_yaw(scene, (ox, oy), {obj_name}, config)
    place_yaw = _roomy_yaw(scene, (tx, ty), {obj_name, target_name}, config)

    def at(x: float, y: float, z: float, yaw: float) -> Pose:
        return (x, y, z, math.pi, 0.0, yaw)

    prims = [
        Primitive("open", "gripper_open"),
        Primitive("approach", "move_linear", pose=at(ox, oy, travel_z, pick_yaw)),
        Primitive("descend", "move_linear", pose=at(ox, oy, grasp_z, pick_yaw)),
        Primitive("grasp", "gripper_close", expect_held=True),
        Primitive("lift", "move_linear", pose=at(ox, oy, travel_z, pick_yaw)),
        Primitive("carry", "move_linear", pose=at(tx, ty, travel_z, place_yaw)),
        Primitive("lower", "move_linear", pose=at(tx, ty, place_z, place_yaw)),
        Primitive("release", "gripper_open"),
        Primitive("retreat", "move_linear", pose=at(tx, ty, travel_z, place_yaw)),
    ]
    if config.return_home:
        prims.append(Primitive("home", "home"))
    return prims


def _place_point(
    scene: Scene, target_name: str, config: CompilerConfig
) -> tuple[tuple[float, float], float, float]:
    """(x, y) of the target, TCP height at release, and the height of the target's top."""
    half = config.block_size / 2
    target = scene.get(target_name)
    if target is not None:
        tx, ty, tz = target.position
        if target.kind == "bowl":
            floor = tz + config.bowl_floor_height
            inside = [o.position[2] + half for o in scene.blocks
                      if math.dist(o.position[:2], (tx, ty)) < config.bowl_radius]
            if inside:  # blocks already in the bowl: release above the highest one
                top = max(inside)
                return (tx, ty), top + half + config.place_clearance, top
            return (tx, ty), floor + half + config.bowl_drop, floor + config.block_size
        top = tz + half
        return (tx, ty), top + half + config.place_clearance, top
    if target_name in scene.locations:
        xy = scene.locations[target_name]
        return xy, config.table_height + half + config.place_clearance, config.table_height
    known = [o.name for o in scene.objects] + list(scene.locations)
    raise ValueError(f"unknown target {target_name!r}; the scene has {known}")


def _roomy_yaw(
    scene: Scene, xy: tuple[float, float], ignore: set[str], config: CompilerConfig
) -> float:
    """grasp_yaw, or grasp_yaw + 90 degrees if that keeps the open fingers clearly further from
    the other objects."""
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

    default, turned = config.grasp_yaw, config.grasp_yaw + math.pi / 2
    return turned if room(turned) > room(default) + 0.01 else default


def _find(scene: Scene, name: str, role: str) -> Detection:
    found = scene.get(name)
    if found is None:
        known = [o.name for o in scene.objects]
        raise ValueError(f"unknown {role} {name!r}; the scene has {known}")
    return found
