"""The guard checks joint moves by forward kinematics: the tool stays in the workspace box at every
waypoint of the joint-space path, on the real simulated arms (PyBullet DIRECT)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from drivers import LimitError, Pose
from drivers.example_driver import GantryDriver
from drivers.guard import SafetyGuard, SafetyLimits
from sim.arm import SimArmDriver
from sim.scene_gen import SceneSpec
from sim.world import World

pytestmark = pytest.mark.sim

CONF = Path(__file__).resolve().parents[1] / "conf" / "robot"
DOWN = (math.pi, 0.0, 0.0)


def robot_limits(name: str, **changes: object) -> SafetyLimits:
    """The safety block of conf/robot/<name>.yaml, as a session builds the guard from it."""
    safety = OmegaConf.to_container(OmegaConf.load(CONF / f"{name}.yaml").safety)
    assert isinstance(safety, dict)
    return SafetyLimits(**{**safety, **changes})  # type: ignore[arg-type]


@pytest.fixture
def panda(sim_arm: SimArmDriver, sim_world: World) -> Iterator[SimArmDriver]:
    sim_world.reset(SceneSpec(blocks=("red",), seed=0))
    yield sim_arm
    sim_world.reset(SceneSpec(blocks=("red",), seed=0))  # back home for the next test


def with_joint(arm: SimArmDriver, index: int, value: float) -> tuple[float, ...]:
    joints = list(arm.info.home_joints)
    joints[index] = value
    return tuple(joints)


def test_a_joint_move_that_puts_the_tool_outside_the_box_is_refused(
        panda: SimArmDriver) -> None:
    """Joint 0 at 2.9 rad on the Panda put the tool at x = -0.186 m (box x_min 0.1)."""
    target = with_joint(panda, 0, 2.9)
    assert panda.tool_pose_for(target)[0] == pytest.approx(-0.186, abs=0.005)
    guard = SafetyGuard(panda, robot_limits("panda_sim"))
    before = panda.get_state().joints
    with pytest.raises(LimitError, match="outside the workspace box"):
        guard.move_joints(target)
    assert panda.get_state().joints == pytest.approx(before, abs=1e-6)


def test_every_waypoint_is_checked_not_only_the_target(panda: SimArmDriver) -> None:
    """Swinging joint 0 from +0.8 to -0.8 rad: both ends lie in this narrow box, the middle
    of the swing (the tool furthest out) does not."""
    limits = robot_limits("panda_sim", box_min=(0.1, -0.45, 0.0), box_max=(0.17, 0.45, 0.6))
    start, target = with_joint(panda, 0, 0.8), with_joint(panda, 0, -0.8)
    for joints in (start, target):
        assert limits.in_box(panda.tool_pose_for(joints))  # type: ignore[arg-type]
    panda.move_joints(start)  # unguarded, to set the start
    guard = SafetyGuard(panda, limits)
    with pytest.raises(LimitError, match=r"outside the workspace box.*% of the way there"):
        guard.move_joints(target)
    assert panda.get_state().joints == pytest.approx(start, abs=5e-3)


def test_forward_kinematics_matches_the_arm_and_does_not_move_it(panda: SimArmDriver) -> None:
    target = tuple(q + dq for q, dq in zip(panda.info.home_joints,
                                           (0.4, 0.5, 0.0, 0.6, 0.0, -0.3, 0.0), strict=True))
    before = panda.get_state()
    predicted = panda.tool_pose_for(target)
    assert panda.get_state().joints == before.joints
    assert panda.get_state().tool_pose == pytest.approx(before.tool_pose, abs=1e-9)
    SafetyGuard(panda, robot_limits("panda_sim")).move_joints(target)
    assert panda.get_state().tool_pose[:3] == pytest.approx(predicted[:3], abs=0.005)


@pytest.mark.parametrize(("robot", "world_fixture", "arm_fixture"), [
    ("panda_sim", "sim_world", "sim_arm"), ("xarm6_sim", "xarm_world", "xarm_arm")])
def test_the_way_home_passes_the_robot_configs_own_limits(
        robot: str, world_fixture: str, arm_fixture: str, request: pytest.FixtureRequest) -> None:
    """What the compiler sends after every step: a pick pose, then home (the xArm's home is
    folded over its base, outside its target box: its config widens the box for paths)."""
    world, arm = request.getfixturevalue(world_fixture), request.getfixturevalue(arm_fixture)
    world.reset(SceneSpec(blocks=("red",), seed=0))
    guard = SafetyGuard(arm, robot_limits(robot))
    guard.move_linear((0.5, 0.2, 0.05, *DOWN))
    guard.move_joints(arm.info.home_joints)
    assert arm.get_state().joints == pytest.approx(arm.info.home_joints, abs=5e-3)


class KinematicsUnknownGantry(GantryDriver):
    """A driver that cannot tell where its tool is for given joints (the default)."""

    def tool_pose_for(self, joints: tuple[float, ...]) -> Pose | None:
        return None


def test_without_forward_kinematics_joint_moves_are_checked_against_the_limits_only() -> None:
    outside = (0.05, 0.0, 0.2, 0.0)  # x = 0.05 m: within the gantry's axis range, not the box
    limits = robot_limits("example_gantry")
    with SafetyGuard(GantryDriver(), limits) as guard:
        with pytest.raises(LimitError, match="outside the workspace box"):
            guard.move_joints(outside)
    with SafetyGuard(KinematicsUnknownGantry(), limits) as guard:
        guard.move_joints(outside)  # nothing to check it with: what docs/arms.md says
