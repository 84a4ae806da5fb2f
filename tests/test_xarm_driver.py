"""The xArm adapter against the in-package fake of xArm-Python-SDK: units, start-up, and every
SDK error path mapped to the ArmError family."""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable

import pytest

from drivers.fakes.xarm_sdk import FakeXArmAPI
from drivers.xarm import XArmDriver
from skills.driver import (
    ArmConnectionError,
    ArmError,
    ArmFault,
    ArmTimeout,
    LimitError,
    MotionInterrupted,
    UnreachableError,
)

DOWN = (math.pi, 0.0, 0.0)
POSE = (0.3, 0.1, 0.2, *DOWN)


def connected(**fake_options: object) -> tuple[XArmDriver, FakeXArmAPI]:
    made: list[FakeXArmAPI] = []

    def factory(ip: str, **kwargs: object) -> FakeXArmAPI:
        made.append(FakeXArmAPI(ip, **{**kwargs, **fake_options}))  # type: ignore[arg-type]
        return made[-1]

    arm = XArmDriver("192.168.1.185", sdk_factory=factory, poll_seconds=0.001)
    arm.connect()
    return arm, made[0]


def test_start_up_sequence_and_units() -> None:
    arm, fake = connected()
    assert fake.calls[:7] == ["clean_warn", "clean_error", "motion_enable", "set_mode",
                              "set_state", "set_gripper_mode", "set_gripper_enable"]
    arm.move_linear(POSE, speed=0.05)
    assert fake.position == pytest.approx([300.0, 100.0, 200.0, 180.0, 0.0, 0.0])
    state = arm.get_state()
    assert state.tool_pose == pytest.approx(POSE)
    arm.move_joints((0.1, -0.5, -0.4, 0.0, 1.0, 0.2))
    assert fake.angles[:6] == pytest.approx([math.degrees(v) for v in
                                             (0.1, -0.5, -0.4, 0.0, 1.0, 0.2)])
    assert arm.get_state().joints == pytest.approx((0.1, -0.5, -0.4, 0.0, 1.0, 0.2))
    assert arm.info.dof == 6 and arm.info.has_async_moves


def test_gripper_reports_whether_something_is_held() -> None:
    arm, _ = connected(object_width_mm=40.0)
    assert arm.gripper_close() is True
    assert arm.get_state().gripper_width == pytest.approx(0.04)
    arm.gripper_open()
    empty, _ = connected()
    assert empty.gripper_close() is False


def test_missing_sdk_is_a_clear_connection_error() -> None:
    with pytest.raises(ArmConnectionError, match=r"stackbot\[xarm\]"):
        XArmDriver("10.0.0.1").connect()


def test_sdk_that_cannot_open_the_socket() -> None:
    def refuse(ip: str, **kwargs: object) -> FakeXArmAPI:
        raise OSError("connection refused")

    with pytest.raises(ArmConnectionError, match="connection refused"):
        XArmDriver("10.0.0.1", sdk_factory=refuse).connect()
    with pytest.raises(ArmConnectionError, match="not connected"):
        XArmDriver("10.0.0.1", sdk_factory=functools.partial(FakeXArmAPI, do_not_open=True)
                   ).connect()


MOVE_LINEAR: Callable[[XArmDriver], object] = lambda arm: arm.move_linear(POSE)  # noqa: E731
MOVE_JOINTS: Callable[[XArmDriver], object] = lambda arm: arm.move_joints((0.0,) * 6)  # noqa: E731


@pytest.mark.parametrize(("method", "code", "error", "warn", "command", "expected", "match"), [
    ("set_position", -1, 0, 0, MOVE_LINEAR, ArmConnectionError, "not connected"),
    ("set_position", 3, 0, 0, MOVE_LINEAR, ArmConnectionError, "timeout"),
    ("set_position", 8, 0, 0, MOVE_LINEAR, ArmConnectionError, "network"),
    ("set_position", -9, 0, 0, MOVE_LINEAR, ArmFault, "emergency stop"),
    ("set_position", -2, 0, 0, MOVE_LINEAR, ArmFault, "not ready"),
    ("set_position", 9, 0, 0, MOVE_LINEAR, ArmFault, "not ready"),
    ("set_position", -6, 0, 0, MOVE_LINEAR, UnreachableError, "Cartesian limit"),
    ("set_position", -8, 0, 0, MOVE_LINEAR, UnreachableError, "out of range"),
    ("set_servo_angle", -7, 0, 0, MOVE_JOINTS, LimitError, "joint limit"),
    ("set_servo_angle", -8, 0, 0, MOVE_JOINTS, LimitError, "out of range"),
    ("set_servo_angle", 12, 0, 0, MOVE_JOINTS, LimitError, "bad parameter"),
    ("set_servo_angle", 100, 0, 0, MOVE_JOINTS, ArmTimeout, "timed out"),
    ("set_position", 1, 2, 0, MOVE_LINEAR, ArmFault, "emergency stop pressed"),
    ("set_position", 1, 21, 0, MOVE_LINEAR, UnreachableError, "kinematic"),
    ("set_position", 1, 24, 0, MOVE_LINEAR, LimitError, "speed exceeds"),
    ("set_position", 1, 31, 0, MOVE_LINEAR, ArmFault, "controller error 31"),
    ("set_position", 2, 0, 14, MOVE_LINEAR, UnreachableError, "no IK solution"),
    ("set_position", 2, 0, 11, MOVE_LINEAR, LimitError, "warning 11"),
    ("set_position", 11, 0, 0, MOVE_LINEAR, ArmError, "code 11"),
    ("get_position", -1, 0, 0, XArmDriver.get_state, ArmConnectionError, "not connected"),
    ("set_gripper_position", 1, 28, 0, XArmDriver.gripper_close, ArmFault, "error 28"),
    ("get_gripper_position", 3, 0, 0, XArmDriver.gripper_close, ArmConnectionError, "timeout"),
])
def test_every_sdk_error_maps_to_its_exception(
        method: str, code: int, error: int, warn: int, command: Callable[[XArmDriver], object],
        expected: type[ArmError], match: str) -> None:
    arm, fake = connected()
    fake.fail_next(method, code, error_code=error, warn_code=warn)
    with pytest.raises(expected, match=match) as raised:
        command(arm)
    assert type(raised.value) is expected


def test_a_refused_target_leaves_the_arm_usable() -> None:
    arm, fake = connected()
    fake.fail_next("set_position", 1, error_code=21)
    with pytest.raises(UnreachableError):
        arm.move_linear(POSE)
    arm.move_linear(POSE)  # error cleared and motion re-enabled by the adapter
    with pytest.raises(UnreachableError):  # the fake's reach: a sphere of 0.7 m
        arm.move_linear((1.2, 0.0, 0.2, *DOWN))
    assert not arm.is_reachable((1.2, 0.0, 0.2, *DOWN)) and arm.is_reachable(POSE)


def test_controller_error_during_a_motion_is_a_fault_until_cleared() -> None:
    arm, fake = connected(seconds_per_mm=0.002)
    threading.Timer(0.05, fake.controller_error, args=(31,)).start()  # a collision
    with pytest.raises(ArmFault, match="31"):
        arm.move_linear(POSE)
    with pytest.raises(ArmFault):
        arm.move_linear((0.3, 0.0, 0.2, *DOWN))
    assert arm.get_state().fault == "controller error 31"
    arm.clear_fault()
    arm.move_linear((0.3, 0.0, 0.2, *DOWN))


def test_stop_from_another_thread_interrupts_a_motion() -> None:
    arm, fake = connected(seconds_per_mm=0.01)  # ~3 s for this move
    threading.Timer(0.05, arm.stop).start()
    started = time.monotonic()
    with pytest.raises(MotionInterrupted):
        arm.move_linear(POSE)
    assert time.monotonic() - started < 1.0
    assert fake.calls[-2:] == ["set_state", "set_state"]  # state 4 (stop), then 0 (ready)
    arm.move_linear(POSE)  # a stop is not a fault


def test_a_motion_over_its_timeout_is_stopped() -> None:
    arm, _ = connected(seconds_per_mm=0.01)
    with pytest.raises(ArmTimeout):
        arm.move_linear(POSE, timeout=0.05)


def test_emergency_stop_refuses_motion_until_cleared() -> None:
    arm, _ = connected()
    arm.emergency_stop()
    with pytest.raises(ArmFault):
        arm.move_linear(POSE)
    arm.clear_fault()
    arm.move_linear(POSE)
