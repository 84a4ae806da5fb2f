"""The UR adapter against the in-package fakes of ur_rtde and of the Robotiq URCap socket
(a real TCP server on 127.0.0.1): rotation vectors, async moves as the control script runs them
(started late, cancelled by the next move), the dashboard's unlock window, every error path."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator

import pytest

from drivers import (
    ArmConnectionError,
    ArmError,
    ArmFault,
    ArmTimeout,
    LimitError,
    MotionInterrupted,
    UnreachableError,
)
from drivers.fakes.robotiq import FakeRobotiq
from drivers.fakes.ur_rtde import FakeURBackend, FakeURRobot
from drivers.robotiq import RobotiqGripper
from drivers.ur import URDriver
from tests.arm_fakes import ROBOTIQ_2F85

DOWN = (math.pi, 0.0, 0.0)
POSE = (0.4, 0.1, 0.2, math.pi, 0.0, 0.5)


@pytest.fixture()
def gripper_server() -> Iterator[FakeRobotiq]:
    with FakeRobotiq(object_width_m=0.04) as fake:
        yield fake


def fake(**options: float) -> FakeURRobot:
    """The controller, its moves at 10x speed and its unlock window 0.2 s unless told."""
    return FakeURRobot(**{"time_scale": 0.1, "unlock_window": 0.2, **options})


def ur(robot: FakeURRobot, gripper: FakeRobotiq | None, **options: object) -> URDriver:
    arm = URDriver("10.0.0.2", gripper_port=gripper.port if gripper else None,
                   gripper_host="127.0.0.1", poll_seconds=0.001,
                   backend_factory=lambda ip: FakeURBackend(ip, robot),
                   **{**ROBOTIQ_2F85, **options})  # type: ignore[arg-type]
    arm.connect()
    return arm


def test_poses_cross_as_rotation_vectors_and_come_back(gripper_server: FakeRobotiq) -> None:
    robot = fake()
    arm = ur(robot, gripper_server)
    arm.move_linear(POSE, speed=0.05)
    rotvec = robot.tcp[3:]
    assert math.hypot(*rotvec) == pytest.approx(math.pi, abs=1e-6)  # 180 degrees about an axis
    assert arm.get_state().tool_pose == pytest.approx(POSE, abs=1e-6)
    arm.move_joints((0.1, -1.2, 1.4, -1.6, -1.5, 0.3))
    assert robot.q == pytest.approx([0.1, -1.2, 1.4, -1.6, -1.5, 0.3])
    assert "moveL" in robot.calls and "getAsyncOperationProgress" in robot.calls


def test_robotiq_gripper_over_its_socket(gripper_server: FakeRobotiq) -> None:
    arm = ur(fake(), gripper_server)
    assert gripper_server.commands[:2] == ["GET STA", "SET ACT 1"]
    assert arm.gripper_close() is True  # stopped on the 4 cm object: OBJ 2
    assert arm.get_state().gripper_width == pytest.approx(0.04, abs=0.001)
    arm.gripper_open()
    gripper_server.object_width_m = 0.0
    assert arm.gripper_close() is False  # closed all the way: OBJ 3


def test_gripper_fault_and_protocol_errors(gripper_server: FakeRobotiq) -> None:
    arm = ur(fake(), gripper_server)
    gripper_server.fault = 7
    with pytest.raises(ArmFault, match="fault 07"):
        arm.gripper_close()
    client = RobotiqGripper("127.0.0.1", gripper_server.port)
    client.connect()
    with pytest.raises(ArmError, match="answered '\\?'"):
        client.get("XYZ")
    client.close_connection()
    with pytest.raises(ArmConnectionError, match="Robotiq"):
        RobotiqGripper("127.0.0.1", 1).connect()


def test_missing_ur_rtde_is_a_clear_connection_error() -> None:
    with pytest.raises(ArmConnectionError, match=r"stackbot\[ur\]"):
        URDriver("10.0.0.2", gripper_port=None, **ROBOTIQ_2F85).connect()  # type: ignore[arg-type]


def test_unreachable_controller_is_a_connection_error() -> None:
    robot = fake()
    robot.connected = False
    with pytest.raises(ArmConnectionError, match="cannot connect"):
        ur(robot, None)


def test_lost_connection_mid_session() -> None:
    robot = fake()
    arm = ur(robot, None)
    robot.connected = False
    with pytest.raises(ArmConnectionError, match="not connected"):
        arm.move_linear(POSE)
    with pytest.raises(ArmConnectionError):
        arm.get_state()


def test_out_of_range_speed_from_the_library_is_a_limit_error() -> None:
    arm = ur(fake(), None)
    with pytest.raises(LimitError, match="outside the range"):
        arm.move_linear(POSE, speed=5.0)
    with pytest.raises(LimitError, match="outside the range"):
        arm.move_joints((0.0,) * 6, accel=100.0)


def test_no_ik_solution_is_unreachable() -> None:
    arm = ur(fake(), None)
    with pytest.raises(UnreachableError):
        arm.move_linear((1.5, 0.0, 0.2, *DOWN))
    assert not arm.is_reachable((1.5, 0.0, 0.2, *DOWN)) and arm.is_reachable(POSE)


def test_protective_stop_during_a_move_is_a_fault_until_cleared() -> None:
    robot = fake()
    arm = ur(robot, None)
    threading.Timer(0.05, robot.trigger_protective_stop).start()
    with pytest.raises(ArmFault, match="protective stop"):
        arm.move_linear(POSE)
    assert arm.get_state().fault == "protective stop"
    with pytest.raises(ArmFault, match="protective stop"):  # moveL returns False
        arm.move_linear(POSE)
    arm.clear_fault()
    assert "unlockProtectiveStop" in robot.calls
    arm.move_linear(POSE)


def test_emergency_stop_button_cannot_be_cleared_from_software() -> None:
    robot = fake()
    arm = ur(robot, None)
    robot.emergency_stop = True
    with pytest.raises(ArmFault, match="emergency stop"):
        arm.move_joints((0.0,) * 6)
    with pytest.raises(ArmFault, match="release it"):
        arm.clear_fault()


def test_software_emergency_stop_is_a_latched_protective_stop() -> None:
    robot = fake()
    arm = ur(robot, None)
    arm.emergency_stop()
    assert "triggerProtectiveStop" in robot.calls
    with pytest.raises(ArmFault):
        arm.move_linear(POSE)
    arm.clear_fault()
    arm.move_linear(POSE)


def test_program_not_running_is_reported_and_restarted_by_clear_fault() -> None:
    robot = fake()
    arm = ur(robot, None)
    robot.program_running = False
    with pytest.raises(ArmError, match="control script"):
        arm.move_linear(POSE)
    arm.clear_fault()
    arm.move_linear(POSE)


def test_stop_from_another_thread_interrupts_an_async_move() -> None:
    robot = fake(time_scale=0.5)
    arm = ur(robot, None)
    threading.Timer(0.05, arm.stop).start()
    started = time.monotonic()
    with pytest.raises(MotionInterrupted):
        arm.move_linear((0.5, -0.2, 0.4, *DOWN))
    assert time.monotonic() - started < 1.0 and "stopL" in robot.calls
    arm.move_linear(POSE)


def test_a_move_over_its_timeout_is_stopped() -> None:
    robot = fake(time_scale=0.5)
    arm = ur(robot, None)
    with pytest.raises(ArmTimeout):
        arm.move_linear((0.5, -0.2, 0.4, *DOWN), timeout=0.05)
    assert robot.calls[-1] == "stopL"


def test_a_move_returns_once_the_arm_has_arrived() -> None:
    """The control script starts the move in its own thread: the first reads of the progress
    still show the previous operation's end (-1), which the adapter took for this one's."""
    robot = fake(time_scale=0.5, start_delay=0.05)
    arm = ur(robot, None)
    distance = math.dist(robot.tcp[:3], POSE[:3])
    arm.move_linear(POSE)  # at 0.1 m/s, at half the time
    returned, motion = time.monotonic(), robot.motions[-1]
    assert motion.end - motion.start == pytest.approx(0.5 * distance / 0.1, abs=0.01)
    assert motion.end <= returned <= motion.end + 0.06 and not motion.stopped
    assert robot.tcp[:3] == pytest.approx([0.4, 0.1, 0.2])


def test_a_move_too_short_to_be_seen_running_is_seen_ending() -> None:
    robot = fake(start_delay=0.0)
    arm = ur(robot, None)
    for _ in range(3):
        arm.move_joints((0.0, -1.57, 1.57, -1.57, -1.57, 0.0))  # where it is: no motion
    assert len(robot.motions) == 3 and robot.progress() == -2


def test_the_next_move_does_not_cut_this_one_short() -> None:
    robot = fake(time_scale=0.2)
    arm = ur(robot, None)
    arm.move_linear((0.4, 0.0, 0.1, *DOWN))  # approach, then descend
    arm.move_linear((0.4, 0.0, 0.05, *DOWN))
    first, second = robot.motions[-2:]
    assert not first.stopped and not second.stopped and first.end <= second.commanded


def test_the_gripper_closes_once_the_arm_has_stopped(gripper_server: FakeRobotiq) -> None:
    robot = fake(time_scale=0.2)
    arm = ur(robot, gripper_server)
    arm.move_linear((0.4, 0.0, 0.1, *DOWN))
    arm.gripper_close()
    closing = [t for t, line in gripper_server.log if line.startswith("SET POS 255")]
    assert closing and closing[0] >= robot.motions[-1].end


def test_a_protective_stop_is_unlocked_once_the_controller_allows_it() -> None:
    """The dashboard refuses the unlock for 5 s after the stop (here 0.3 s)."""
    robot = fake(unlock_window=0.3)
    arm = ur(robot, None, unlock_wait=1.0)
    robot.trigger_protective_stop()
    arm.clear_fault()
    assert time.monotonic() - robot.stopped_at >= 0.3 and not robot.protective_stop
    assert robot.calls.count("unlockProtectiveStop") >= 2  # refused at first
    arm.move_linear(POSE)


def test_an_unlock_refused_past_the_wait_is_a_fault_to_retry() -> None:
    robot = fake(unlock_window=0.3)
    arm = ur(robot, None, unlock_wait=0.0)
    robot.trigger_protective_stop()
    with pytest.raises(ArmFault, match="refused to unlock .* call clear_fault\\(\\) again"):
        arm.clear_fault()
    time.sleep(0.3)
    arm.clear_fault()
    arm.move_linear(POSE)


def test_the_gripper_runs_at_the_configured_speed_and_force(
        gripper_server: FakeRobotiq) -> None:
    ur(fake(), gripper_server, gripper_speed=64, gripper_force=30)
    assert (gripper_server.values["SPE"], gripper_server.values["FOR"]) == (64, 30)
    with pytest.raises(ValueError, match="gripper_speed must be 0..255"):
        URDriver("10.0.0.2", gripper_speed=300, **ROBOTIQ_2F85)  # type: ignore[arg-type]
