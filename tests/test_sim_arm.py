"""The simulated Panda through the ArmDriver contract: IK, motion, friction grasps, faults."""

from __future__ import annotations

import math

import pytest

from drivers import (
    ArmConnectionError,
    ArmFault,
    ArmTimeout,
    LimitError,
    UnreachableError,
)
from sim.arm import SimArmDriver
from sim.scene_gen import SceneSpec
from sim.world import World

pytestmark = pytest.mark.sim

DOWN = (math.pi, 0.0, 0.0)


def _one_block(world: World, xy: tuple[float, float] = (0.5, 0.1)) -> None:
    world.reset(SceneSpec(blocks=("red",), seed=0), positions={"red block": xy})


def test_home_is_retracted_out_of_the_workspace(sim_arm: SimArmDriver, sim_world: World) -> None:
    _one_block(sim_world)
    state = sim_arm.get_state()
    assert state.joints == pytest.approx(sim_arm.info.home_joints, abs=1e-3)
    x, _, z = state.tool_pose[:3]
    assert x < sim_world.workspace.x_min and z > 0.3
    assert state.gripper_width == pytest.approx(0.08, abs=1e-3)
    assert state.fault is None and not state.holding


@pytest.mark.parametrize("height", [0.02, 0.15])
def test_ik_reaches_named_locations(sim_arm: SimArmDriver, sim_world: World, height: float) -> None:
    for name, (x, y) in sim_world.workspace.named_locations().items():
        assert sim_arm.is_reachable((x, y, height, *DOWN)), name


def test_ik_reaches_workspace_corners(sim_arm: SimArmDriver, sim_world: World) -> None:
    ws = sim_world.workspace
    inset = 0.03  # the far corners themselves are beyond the Panda's top-down reach at z=0.02
    for x in (ws.x_min, ws.x_max - inset):
        for y in (ws.y_min + inset, ws.y_max - inset):
            for z in (0.02, 0.15):
                assert sim_arm.is_reachable((x, y, z, *DOWN)), (x, y, z)
    assert not sim_arm.is_reachable((1.2, 0.0, 0.02, *DOWN))


def test_move_linear_tracks_the_pose(sim_arm: SimArmDriver, sim_world: World) -> None:
    _one_block(sim_world)
    t0 = sim_world.sim_time
    target = (0.6, -0.2, 0.12, math.pi, 0.0, 0.3)
    sim_arm.move_linear(target)
    assert sim_world.sim_time > t0  # the physics really ran
    pose = sim_arm.get_state().tool_pose
    assert pose[:3] == pytest.approx(target[:3], abs=3e-3)
    assert math.cos(pose[5] - target[5]) > 0.999
    sim_arm.move_joints(sim_arm.info.home_joints)
    assert sim_arm.get_state().joints == pytest.approx(sim_arm.info.home_joints, abs=3e-3)


def test_the_world_tells_its_listeners_every_step_and_the_arm_what_it_commanded(
        sim_arm: SimArmDriver, sim_world: World) -> None:
    """What recordings sample the motion from: the simulated time after every step, and the
    state with the joints and gripper last commanded."""
    _one_block(sim_world)
    heard: list[tuple[float, tuple[float, ...] | None]] = []
    stop = sim_world.add_step_listener(
        lambda t: heard.append((t, sim_arm.get_state().target_joints)))
    start = sim_world.sim_time
    goal = tuple(q + 0.2 for q in sim_arm.info.home_joints)
    try:
        sim_arm.move_joints(goal)
    finally:
        stop()
    times = [t for t, _ in heard]
    assert times[0] == pytest.approx(start + sim_world.time_step)
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) < 2.01 * sim_world.time_step
    assert heard[len(heard) // 4][1] != pytest.approx(goal, abs=1e-3)  # on the way: a waypoint
    assert heard[-1][1] == pytest.approx(goal)
    sim_world.step()
    assert len(heard) == len(times)  # removed: told no more
    assert sim_arm.get_state().gripper_closed is False
    sim_arm.gripper_close()
    assert sim_arm.get_state().gripper_closed is True
    sim_arm.gripper_open()
    assert sim_arm.get_state().gripper_closed is False
    sim_arm.move_joints(sim_arm.info.home_joints)


def test_gripper_close_on_nothing_is_false(sim_arm: SimArmDriver, sim_world: World) -> None:
    _one_block(sim_world)
    sim_arm.move_linear((0.4, -0.15, 0.02, *DOWN))
    assert sim_arm.gripper_close() is False
    assert sim_arm.get_state().gripper_width < 0.005
    sim_arm.gripper_open()
    assert sim_arm.get_state().gripper_width > 0.075


def test_friction_grasp_lifts_a_block(sim_arm: SimArmDriver, sim_world: World) -> None:
    _one_block(sim_world, (0.5, 0.1))
    x, y, z = sim_world.object_pose("red block").position
    sim_arm.move_linear((x, y, 0.12, *DOWN))
    sim_arm.move_linear((x, y, z, *DOWN))
    assert sim_arm.gripper_close() is True
    assert sim_arm.get_state().holding
    sim_arm.move_linear((x + 0.05, y, 0.2, *DOWN))
    lifted = sim_world.object_pose("red block").position
    assert lifted[2] == pytest.approx(0.2, abs=0.01) and lifted[0] == pytest.approx(x + 0.05,
                                                                                   abs=0.01)
    sim_arm.gripper_open()
    sim_world.step(240)
    assert sim_world.object_pose("red block").position[2] == pytest.approx(0.02, abs=0.005)


def test_errors(sim_arm: SimArmDriver, sim_world: World) -> None:
    _one_block(sim_world)
    with pytest.raises(UnreachableError):
        sim_arm.move_linear((1.3, 0.0, 0.1, *DOWN))
    with pytest.raises(LimitError):
        sim_arm.move_linear((0.5, 0.0, -0.05, *DOWN))
    with pytest.raises(LimitError):
        sim_arm.move_joints((0.0, 3.0, 0.0, -2.0, 0.0, 1.5, 0.0))
    with pytest.raises(LimitError):
        sim_arm.move_joints((0.0, 0.0))
    with pytest.raises(ArmTimeout):
        sim_arm.move_linear((0.6, 0.2, 0.1, *DOWN), timeout=0.05)
    with pytest.raises(LimitError):
        sim_arm.set_speed_scale(1.5)
    with pytest.raises(ValueError):
        sim_arm.set_speed_scale(0.0)


def test_emergency_stop_refuses_motion_until_cleared(sim_arm: SimArmDriver,
                                                     sim_world: World) -> None:
    _one_block(sim_world)
    sim_arm.emergency_stop()
    try:
        assert sim_arm.get_state().fault
        with pytest.raises(ArmFault):
            sim_arm.move_joints(sim_arm.info.home_joints)
        with pytest.raises(ArmFault):
            sim_arm.gripper_close()
    finally:
        sim_arm.clear_fault()
    sim_arm.move_linear((0.5, 0.0, 0.2, *DOWN))


def test_slower_speed_scale_takes_longer(sim_arm: SimArmDriver, sim_world: World) -> None:
    durations = []
    for scale in (1.0, 0.5):
        _one_block(sim_world)
        sim_arm.set_speed_scale(scale)
        t0 = sim_world.sim_time
        sim_arm.move_linear((0.5, 0.0, 0.2, *DOWN))
        durations.append(sim_world.sim_time - t0)
    sim_arm.set_speed_scale(1.0)
    assert durations[1] > 1.5 * durations[0]


def test_motion_needs_a_connection(sim_arm: SimArmDriver, sim_world: World) -> None:
    _one_block(sim_world)
    sim_arm.close()
    try:
        with pytest.raises(ArmConnectionError):
            sim_arm.move_joints(sim_arm.info.home_joints)
    finally:
        sim_arm.connect()
    sim_arm.move_joints(sim_arm.info.home_joints)
