"""The tool on a real arm (issue 26): the TCP offset and payload are part of every real arm's
config, set on connect and read back, so the poses the arm takes and the guard's box are the tool
tip's; a config without them refuses to start with one line, before connecting."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from drivers import ArmFault, LimitError
from drivers.fakes.ur_rtde import FakeURBackend, FakeURRobot
from drivers.fakes.xarm_sdk import FakeXArmAPI
from drivers.guard import SafetyGuard, SafetyLimits
from drivers.tool import ToolNotConfigured
from drivers.ur import URDriver
from drivers.xarm import XArmDriver
from tests.arm_fakes import ROBOTIQ_2F85, XARM_GRIPPER

DOWN = (math.pi, 0.0, 0.0)


def xarm(**fake_options: object) -> tuple[XArmDriver, list[FakeXArmAPI]]:
    """The driver and, once it connects, its fake (`fake_options` replace its attributes)."""
    made: list[FakeXArmAPI] = []

    def factory(ip: str, **kwargs: object) -> FakeXArmAPI:
        made.append(FakeXArmAPI(ip, **{**kwargs, "time_scale": 0.05}))  # type: ignore[arg-type]
        for name, value in fake_options.items():
            setattr(made[-1], name, value)
        return made[-1]

    arm = XArmDriver("10.0.0.1", sdk_factory=factory, poll_seconds=0.002, readback_timeout=0.5,
                     **XARM_GRIPPER)  # type: ignore[arg-type]
    return arm, made


def ur(robot: FakeURRobot) -> URDriver:
    return URDriver("10.0.0.2", gripper_port=None, poll_seconds=0.001, readback_timeout=0.2,
                    backend_factory=lambda ip: FakeURBackend(ip, robot),
                    **ROBOTIQ_2F85)  # type: ignore[arg-type]


def test_the_xarm_takes_the_tool_and_moves_its_tip() -> None:
    arm, made = xarm()
    with arm:
        fake = made[0]
        assert fake.tcp_offset == pytest.approx([0.0, 0.0, 172.0, 0.0, 0.0, 0.0])  # reported
        assert fake.tcp_load[0] == pytest.approx(0.82)
        assert fake.tcp_load[1] == pytest.approx([0.0, 0.0, 48.0])
        arm.move_linear((0.3, 0.0, 0.02, *DOWN))  # the grasp height of issue 26
        assert fake.tcp[2] == pytest.approx(20.0) and fake.flange[2] == pytest.approx(192.0)
        assert arm.get_state().tool_pose[2] == pytest.approx(0.02)


def test_an_xarm_that_does_not_take_the_tool_refuses_to_start() -> None:
    arm, _ = xarm(set_tcp_offset=lambda *args, **kwargs: 0)  # accepted, not applied
    with pytest.raises(ArmFault, match=r"did not take the configured tool: it reads TCP offset "
                                       r"\[0.0000, 0.0000, 0.0000"):
        arm.connect()


def test_the_ur_takes_the_tool_and_moves_its_tip() -> None:
    robot = FakeURRobot(time_scale=0.05)
    with ur(robot) as arm:
        assert robot.tcp_offset == pytest.approx([0.0, 0.0, 0.175, 0.0, 0.0, 0.0])
        assert (robot.payload, robot.payload_cog) == (0.925, pytest.approx([0.0, 0.0, 0.058]))
        arm.move_linear((0.4, 0.0, 0.02, *DOWN))
        assert robot.tcp[2] == pytest.approx(0.02) and robot.flange[2] == pytest.approx(0.195)
        robot.program_running = False  # a new control script starts from the installation's TCP
        arm.clear_fault()
        assert robot.tcp_offset == pytest.approx([0.0, 0.0, 0.175, 0.0, 0.0, 0.0])


def test_a_ur_that_does_not_take_the_tool_refuses_to_start() -> None:
    robot = FakeURRobot()
    arm = ur(robot)
    backend = FakeURBackend("10.0.0.2", robot)
    backend.control.setPayload = lambda mass, cog=None: True  # type: ignore[method-assign]
    arm._factory = lambda ip: backend
    with pytest.raises(ArmFault, match="payload 0.000 kg, not 0.925 kg"):
        arm.connect()


@pytest.mark.parametrize("driver", [XArmDriver, URDriver])
def test_a_real_arm_without_its_tool_says_what_to_measure(driver: type) -> None:
    with pytest.raises(ToolNotConfigured) as refused:
        driver("10.0.0.1")
    message = str(refused.value)
    assert "\n" not in message and "robot.tcp_offset and robot.payload_kg not set" in message
    assert "seen from the flange in m and rad" in message and "docs/arms.md" in message
    with pytest.raises(ToolNotConfigured, match="give metres, not mm"):
        driver("10.0.0.1", tcp_offset=(0, 0, 172, 0, 0, 0), payload_kg=0.8)


def test_the_guard_bounds_the_tool_tip() -> None:
    """The box's floor (z >= 0) is the tip's: below it is refused before anything moves; at
    the grasp height the flange stays a tool's length above the table."""
    arm, made = xarm()
    guard = SafetyGuard(arm, SafetyLimits(box_min=(0.1, -0.45, 0.0), box_max=(0.85, 0.45, 0.6)))
    with guard:
        fake = made[0]
        with pytest.raises(LimitError, match="outside the workspace box"):
            guard.move_linear((0.3, 0.0, -0.01, *DOWN), speed=0.05)
        assert not fake.motions
        guard.move_linear((0.3, 0.0, 0.02, *DOWN), speed=0.05)
        assert fake.flange[2] - fake.tcp[2] == pytest.approx(172.0)


@pytest.mark.parametrize("robot", ["xarm", "ur"])
def test_the_command_line_refuses_a_real_arm_without_its_tool(tmp_path: Path,
                                                              robot: str) -> None:
    from tests.test_cli_errors import assert_nothing_ran, assert_one_line_error, run_cli

    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", f"robot={robot}",
                     "robot.ip=127.0.0.1", "+robot.world=${sim}", "planner=scripted")
    assert_one_line_error(result, f"robot={robot} needs its tool measured",
                          "robot.tcp_offset=[x,y,z,roll,pitch,yaw]")
    assert_nothing_ran(tmp_path)
