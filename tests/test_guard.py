"""The safety guard: every check happens before a command reaches the driver."""

from __future__ import annotations

import math

import pytest

from drivers import ArmFault, LimitError
from drivers.example_driver import GantryDriver
from drivers.guard import RefusedByOperator, SafetyGuard, SafetyLimits

DOWN = (math.pi, 0.0, 0.0)
LIMITS = SafetyLimits(box_min=(0.1, -0.4, 0.0), box_max=(0.8, 0.4, 0.5), joint_margin=0.01,
                      max_joint_speed=0.5, max_linear_speed=0.3, max_linear_accel=1.0)


def guarded(**modes: object) -> tuple[SafetyGuard, GantryDriver]:
    arm = GantryDriver()
    limits = SafetyLimits(**{**LIMITS.__dict__, **modes})
    guard = SafetyGuard(arm, limits, ask=lambda _: "n", report=lambda _: None)
    guard.connect()
    return guard, arm


def motions(arm: GantryDriver) -> list[str]:
    return [c for c in arm.commands if c.startswith(("move", "gripper"))]


@pytest.mark.parametrize("pose", [
    (0.95, 0.0, 0.1, *DOWN), (0.5, -0.6, 0.1, *DOWN), (0.5, 0.0, 0.7, *DOWN),
    (0.5, 0.0, -0.01, *DOWN), (0.05, 0.0, 0.1, *DOWN),
])
def test_pose_outside_the_box_is_refused_before_the_driver(pose: tuple[float, ...]) -> None:
    guard, arm = guarded()
    with pytest.raises(LimitError, match="outside the workspace box"):
        guard.move_linear(pose)
    assert motions(arm) == []
    assert not guard.is_reachable(pose)


def test_speed_and_acceleration_over_the_cap_are_refused() -> None:
    guard, arm = guarded()
    with pytest.raises(LimitError, match="exceeds the cap"):
        guard.move_linear((0.5, 0.0, 0.2, *DOWN), speed=0.31)
    with pytest.raises(LimitError, match="exceeds the cap"):
        guard.move_joints((0.5, 0.0, 0.2, 0.0), speed=0.6)
    with pytest.raises(LimitError, match="acceleration"):
        guard.move_linear((0.5, 0.0, 0.2, *DOWN), speed=0.1, accel=2.0)
    with pytest.raises(LimitError):
        guard.set_speed_scale(1.5)
    assert motions(arm) == []
    guard.move_linear((0.5, 0.0, 0.2, *DOWN), speed=0.3, accel=1.0)
    assert motions(arm) == ["move_linear (0.5, 0.0, 0.2, 3.1416, 0.0, 0.0)"]


def test_clamp_mode_lowers_the_speed_to_the_cap() -> None:
    sent: list[float | None] = []
    guard, arm = guarded(clamp_speed=True)
    original = arm.move_linear
    arm.move_linear = lambda pose, speed=None, accel=None, timeout=None: (  # type: ignore[method-assign]
        sent.append(speed), original(pose, speed, accel, timeout))
    guard.move_linear((0.5, 0.0, 0.2, *DOWN), speed=2.0)
    guard.move_linear((0.5, 0.0, 0.3, *DOWN))
    assert sent == [0.3, 0.3]  # clamped; no speed given means the cap


def test_joint_targets_keep_a_margin_from_the_limits() -> None:
    guard, arm = guarded()
    with pytest.raises(LimitError, match="joint 2"):
        guard.move_joints((0.5, 0.0, 0.595, 0.0))  # z axis limit 0.6, margin 0.01
    with pytest.raises(LimitError, match="expected 4 joints"):
        guard.move_joints((0.5, 0.0))
    assert motions(arm) == []


def test_motion_refused_after_an_emergency_stop_until_cleared() -> None:
    guard, arm = guarded()
    guard.emergency_stop()
    for command in (lambda: guard.move_linear((0.5, 0.0, 0.2, *DOWN)),
                    lambda: guard.move_joints((0.5, 0.0, 0.2, 0.0)),
                    guard.gripper_open, guard.gripper_close):
        with pytest.raises(ArmFault):
            command()
    assert motions(arm) == []
    guard.clear_fault()
    guard.move_linear((0.5, 0.0, 0.2, *DOWN))
    assert len(motions(arm)) == 1


def test_a_fault_raised_by_the_driver_latches_in_the_guard() -> None:
    guard, arm = guarded()
    arm.emergency_stop()  # e.g. the pendant's e-stop: the guard learns it from the driver
    with pytest.raises(ArmFault):
        guard.gripper_open()
    arm.clear_fault()  # cleared behind the guard's back: still refused
    with pytest.raises(ArmFault, match="clear_fault"):
        guard.gripper_open()
    assert motions(arm) == ["gripper_open"]
    guard.clear_fault()
    guard.gripper_open()


def test_dry_run_reports_and_moves_nothing() -> None:
    lines: list[str] = []
    arm = GantryDriver()
    guard = SafetyGuard(arm, SafetyLimits(**{**LIMITS.__dict__, "dry_run": True}),
                        report=lines.append)
    with guard:
        guard.move_linear((0.5, 0.1, 0.2, *DOWN))
        assert guard.gripper_close()
    assert motions(arm) == []
    assert lines == ["dry run: move_linear (0.500, 0.100, 0.200, 3.142, 0.000, 0.000) at 0.300 m/s",
                     "dry run: gripper_close"]
    with pytest.raises(LimitError):  # still checked in a dry run
        guard.move_linear((2.0, 0.0, 0.2, *DOWN))


def test_confirm_mode_asks_before_each_command() -> None:
    answers = iter(["y", "no"])
    asked: list[str] = []
    arm = GantryDriver()
    guard = SafetyGuard(arm, SafetyLimits(**{**LIMITS.__dict__, "confirm": True}),
                        ask=lambda q: (asked.append(q), next(answers))[1])
    guard.connect()
    guard.move_linear((0.5, 0.1, 0.2, *DOWN))
    with pytest.raises(RefusedByOperator):
        guard.gripper_open()
    assert len(asked) == 2 and asked[0].startswith("send move_linear")
    assert motions(arm) == ["move_linear (0.5, 0.1, 0.2, 3.1416, 0.0, 0.0)"]


def test_limits_validate_their_values() -> None:
    with pytest.raises(ValueError):
        SafetyLimits(box_min=(0.5, 0, 0), box_max=(0.4, 1, 1))
    with pytest.raises(ValueError):
        SafetyLimits(max_linear_speed=0.0)


@pytest.mark.parametrize("speed", [1e-4, 0.0099])
def test_a_joint_speed_under_the_minimum_is_refused(speed: float) -> None:
    """A move at 1e-4 rad/s took the server 498 MB (memory grows with 1/speed)."""
    guard, arm = guarded()
    with pytest.raises(LimitError, match="below the minimum 0.01 rad/s"):
        guard.move_joints((0.5, 0.0, 0.2, 0.0), speed=speed)
    with pytest.raises(LimitError, match="below the minimum 0.002 m/s"):
        guard.move_linear((0.5, 0.0, 0.2, *DOWN), speed=1e-4)
    assert motions(arm) == []


@pytest.mark.parametrize("speed", [math.nan, math.inf, -0.1])
def test_a_speed_that_is_no_positive_number_is_refused(speed: float) -> None:
    guard, arm = guarded(clamp_speed=True)
    with pytest.raises(LimitError, match="must be a positive number"):
        guard.move_joints((0.5, 0.0, 0.2, 0.0), speed=speed)
    with pytest.raises(LimitError, match="must be a positive number"):
        guard.move_linear((0.5, 0.0, 0.2, *DOWN), speed=speed)
    assert motions(arm) == []


def test_clamp_mode_raises_a_slow_speed_to_the_minimum() -> None:
    sent: list[float | None] = []
    guard, arm = guarded(clamp_speed=True)
    original = arm.move_joints
    arm.move_joints = lambda joints, speed=None, accel=None, timeout=None: (  # type: ignore[method-assign]
        sent.append(speed), original(joints, speed, accel, timeout))
    guard.move_joints((0.5, 0.0, 0.2, 0.0), speed=1e-4)
    assert sent == [0.01]


def test_a_speed_scale_that_puts_every_motion_under_the_minimum_is_refused() -> None:
    guard, arm = guarded()
    with pytest.raises(LimitError, match="under the minimum speed"):
        guard.set_speed_scale(1e-6)
    guard.set_speed_scale(0.5)  # 0.25 rad/s at the cap: fine, but the floor now counts scaled
    with pytest.raises(LimitError, match=r"below the minimum .* \(at speed scale 0.5\)"):
        guard.move_joints((0.5, 0.0, 0.2, 0.0), speed=0.015)
    assert motions(arm) == []


def test_minimum_speeds_are_validated() -> None:
    with pytest.raises(ValueError, match="min_joint_speed"):
        SafetyLimits(min_joint_speed=2.0, max_joint_speed=1.0)
    with pytest.raises(ValueError, match="min_linear_speed"):
        SafetyLimits(min_linear_speed=0.0)
