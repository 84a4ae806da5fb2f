"""The simulated xArm 6 (robot=xarm6_sim): mount, reach, its linkage gripper (pick and place on
every simulated arm: tests/test_compiler.py)."""

from __future__ import annotations

import math

import numpy as np
import pybullet as p
import pytest

from perception.opencv_detector import OpenCVDetector
from sim.arm import SimArmDriver
from sim.arm_models import XARM6
from sim.camera import Camera
from sim.scene_gen import SceneSpec
from sim.world import World

pytestmark = pytest.mark.sim

DOWN = (math.pi, 0.0, 0.0)
OPEN_WIDTH = 0.0855


def _one_block(world: World, xy: tuple[float, float] = (0.5, 0.1)) -> None:
    world.reset(SceneSpec(blocks=("red",), seed=0), positions={"red block": xy})


def _tilt(world: World, name: str) -> float:
    roll, pitch, _ = p.getEulerFromQuaternion(world.object_pose(name).orientation)
    return max(abs(roll), abs(pitch))


def test_mounted_in_front_of_the_origin(xarm_arm: SimArmDriver, xarm_world: World) -> None:
    base, _ = p.getBasePositionAndOrientation(xarm_arm.body, physicsClientId=xarm_world.client)
    assert base == pytest.approx(XARM6.base_position)
    assert xarm_arm.info.dof == 6 and xarm_arm.info.name == "xarm6"
    assert xarm_arm.info.max_joint_speed == pytest.approx((3.14,) * 6)


def test_home_is_out_of_the_cameras_view(xarm_arm: SimArmDriver, xarm_world: World) -> None:
    spec = SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "gray"), seed=0)
    xarm_world.reset(spec)
    state = xarm_arm.get_state()
    assert state.joints == pytest.approx(XARM6.home, abs=1e-3)
    x, _, z = state.tool_pose[:3]
    assert x < xarm_world.workspace.x_min and z > 0.3
    assert state.gripper_width == pytest.approx(OPEN_WIDTH, abs=1e-3) and not state.holding
    camera = Camera()
    # Image up is +x: every corner of every link's bounding box is below the workspace's near edge
    # in the image, so the arm hides nothing on the table.
    near_edge_row = camera.project(np.array([[xarm_world.workspace.x_min, 0.0, 0.0]]))[0, 1]
    links = range(-1, p.getNumJoints(xarm_arm.body, physicsClientId=xarm_world.client))
    for link in links:
        lo, hi = p.getAABB(xarm_arm.body, link, physicsClientId=xarm_world.client)
        corners = np.array([[a, b, c] for a in (lo[0], hi[0]) for b in (lo[1], hi[1])
                            for c in (lo[2], hi[2])])
        assert camera.project(corners)[:, 1].min() > near_edge_row, link
    seen = OpenCVDetector().detect(xarm_world.render(camera))
    assert sorted(f"{d.color} {d.kind}" for d in seen) == sorted(spec.names)


@pytest.mark.parametrize("height", [0.02, 0.15, 0.25])
def test_ik_reaches_everywhere_objects_can_be(xarm_arm: SimArmDriver, xarm_world: World,
                                              height: float) -> None:
    ws = xarm_world.workspace
    for name, (x, y) in ws.named_locations().items():
        assert xarm_arm.is_reachable((x, y, height, *DOWN)), name
    edge = 0.04 + xarm_world.block.size / math.sqrt(2)  # sample_layout's margin for a block
    for x in (ws.x_min + edge, ws.x_max - edge):
        for y in (ws.y_min + edge, ws.y_max - edge):
            for yaw in (0.0, math.pi / 2):
                assert xarm_arm.is_reachable((x, y, height, math.pi, 0.0, yaw)), (x, y, yaw)
    assert not xarm_arm.is_reachable((1.2, 0.0, height, *DOWN))


def test_gripper_widths(xarm_arm: SimArmDriver, xarm_world: World) -> None:
    _one_block(xarm_world)
    xarm_arm.move_linear((0.4, -0.15, 0.02, *DOWN))
    assert xarm_arm.get_state().tool_pose[:3] == pytest.approx((0.4, -0.15, 0.02), abs=3e-3)
    assert xarm_arm.gripper_close() is False
    assert xarm_arm.get_state().gripper_width < 0.005
    xarm_arm.gripper_open()
    assert xarm_arm.get_state().gripper_width == pytest.approx(OPEN_WIDTH, abs=1e-3)


def test_friction_grasp_holds_through_lift_and_carry(xarm_arm: SimArmDriver,
                                                     xarm_world: World) -> None:
    _one_block(xarm_world, (0.5, 0.1))
    x, y, z = xarm_world.object_pose("red block").position
    xarm_arm.move_linear((x, y, 0.12, *DOWN))
    xarm_arm.move_linear((x, y, z, *DOWN))
    assert xarm_arm.gripper_close() is True
    state = xarm_arm.get_state()
    assert state.holding and state.gripper_width == pytest.approx(0.04, abs=2e-3)
    for target in ((x, y, 0.2), (0.68, -0.23, 0.2), (0.32, 0.23, 0.25)):
        xarm_arm.move_linear((*target, *DOWN))
        held = xarm_world.object_pose("red block").position
        assert held == pytest.approx(target, abs=0.01), target
        assert _tilt(xarm_world, "red block") < 0.15
    xarm_arm.gripper_open()
    xarm_world.step(240)
    assert xarm_world.object_pose("red block").position[2] == pytest.approx(0.02, abs=0.005)
