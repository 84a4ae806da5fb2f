"""On a real arm, for a person standing at it with the emergency stop in reach (skipped without
`--real`): connect, read the state, a 2 cm move up and back at 1 cm/s, a stop half way through a
move, the gripper open and closed. Every command goes through the safety guard built from the
robot's config, as a session builds it.

    pytest tests/test_real_arm.py --real 'robot=xarm robot.ip=192.168.1.185
        robot.tcp_offset=[0,0,0.172,0,0,0] robot.payload_kg=0.82'

Clear the space above the tool by 5 cm; the gripper closes on nothing.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Iterator

import pytest
from hydra import compose, initialize_config_module

from agent.arms import build_arm
from drivers import MotionInterrupted, Pose
from drivers.guard import SafetyGuard

pytestmark = pytest.mark.real

SLOW = 0.01  # m/s
RISE = 0.02  # m


@pytest.fixture(scope="module")
def arm(request: pytest.FixtureRequest) -> Iterator[SafetyGuard]:
    overrides = shlex.split(request.config.getoption("--real"))
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused", *overrides])
    with build_arm(cfg) as guard:
        yield guard


def raised(pose: Pose, dz: float) -> Pose:
    return (pose[0], pose[1], pose[2] + dz, *pose[3:])


def test_connect_and_read_the_state(arm: SafetyGuard) -> None:
    state = arm.get_state()
    assert len(state.joints) == arm.info.dof and state.fault is None and not state.moving
    assert arm.get_state().timestamp >= state.timestamp


def test_a_2_cm_move_up_and_back(arm: SafetyGuard) -> None:
    start = arm.get_state().tool_pose
    arm.move_linear(raised(start, RISE), speed=SLOW)
    assert arm.get_state().tool_pose[2] == pytest.approx(start[2] + RISE, abs=0.002)
    arm.move_linear(start, speed=SLOW)
    assert arm.get_state().tool_pose[:3] == pytest.approx(start[:3], abs=0.002)


def test_stop_half_way_through_a_move(arm: SafetyGuard) -> None:
    start = arm.get_state().tool_pose
    threading.Timer(RISE / SLOW / 2, arm.stop).start()
    began = time.monotonic()
    with pytest.raises(MotionInterrupted):
        arm.move_linear(raised(start, RISE), speed=SLOW)
    assert time.monotonic() - began < RISE / SLOW
    arm.wait(timeout=2.0)
    height = arm.get_state().tool_pose[2] - start[2]
    assert 0.002 < height < RISE - 0.002  # stopped part way up
    arm.move_linear(start, speed=SLOW)


def test_the_gripper_opens_and_closes(arm: SafetyGuard) -> None:
    arm.gripper_open()
    opened = arm.get_state().gripper_width
    assert arm.gripper_close() is False  # nothing between the fingers
    assert arm.get_state().gripper_width < opened
    arm.gripper_open()
    assert arm.get_state().gripper_width == pytest.approx(opened, abs=0.002)
