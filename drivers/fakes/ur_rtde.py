"""An in-package stand-in for ur_rtde (RTDEControlInterface, RTDEReceiveInterface, DashboardClient).

It reproduces the library's documented behaviour the adapter relies on: moves return False when
the controller refuses them (protective or emergency stop, program not running); asynchronous
moves return at once and `getAsyncOperationProgress()` is negative once they finished; `stopL`
/`stopJ` end them; out-of-range speeds or accelerations raise ValueError (pybind11's mapping of
std::range_error); a lost connection raises RuntimeError; poses are [x, y, z, rx, ry, rz] in
metres and a rotation vector. Kinematics: a sphere of reach (UR5e: 0.85 m) around the base.
"""

from __future__ import annotations

import math
import time

REACH_M = 0.85
TOOL_SPEED_MAX, TOOL_ACC_MAX, JOINT_SPEED_MAX, JOINT_ACC_MAX = 3.0, 150.0, 3.14, 40.0


class FakeURRobot:
    """The controller's state, shared by the three interfaces."""

    def __init__(self, seconds_per_metre: float = 0.0) -> None:
        self.q = [0.0, -1.57, 1.57, -1.57, -1.57, 0.0]
        self.tcp = [0.4, 0.0, 0.3, math.pi, 0.0, 0.0]
        self.protective_stop = self.emergency_stop = False
        self.connected, self.program_running = True, True
        self.seconds_per_metre = seconds_per_metre
        self.motion_end = 0.0
        self.calls: list[str] = []

    def moving(self) -> bool:
        return time.monotonic() < self.motion_end

    def trigger_protective_stop(self) -> None:
        """What a collision does: the arm stops where it is and the program halts."""
        self.protective_stop, self.motion_end = True, 0.0

    def halt(self) -> None:
        self.motion_end = 0.0


class FakeRTDEControl:
    def __init__(self, robot: FakeURRobot) -> None:
        if not robot.connected:
            raise RuntimeError("One of the RTDE input registers are already in use!"
                               " / could not connect")
        self.r = robot

    def _usable(self, call: str) -> bool:
        self.r.calls.append(call)
        if not self.r.connected:
            raise RuntimeError("RTDE control interface is not connected")
        return self.r.program_running and not (self.r.protective_stop or self.r.emergency_stop)

    def moveL(self, pose: list[float], speed: float = 0.25, acceleration: float = 1.2,
              asynchronous: bool = False) -> bool:
        _within("speed", speed, TOOL_SPEED_MAX)
        _within("acceleration", acceleration, TOOL_ACC_MAX)
        if not self._usable("moveL") or math.dist(pose[:3], (0, 0, 0.16)) > REACH_M:
            return False
        return self._move(math.dist(self.r.tcp[:3], pose[:3]), asynchronous,
                          lambda: setattr(self.r, "tcp", list(pose)))

    def moveJ(self, q: list[float], speed: float = 1.05, acceleration: float = 1.4,
              asynchronous: bool = False) -> bool:
        _within("speed", speed, JOINT_SPEED_MAX)
        _within("acceleration", acceleration, JOINT_ACC_MAX)
        if not self._usable("moveJ") or len(q) != 6:
            return False
        return self._move(max(abs(a - b) for a, b in zip(q, self.r.q, strict=True)) * 0.3,
                          asynchronous, lambda: setattr(self.r, "q", list(q)))

    def _move(self, metres: float, asynchronous: bool, arrive: object) -> bool:
        arrive()  # type: ignore[operator]  # the fake reports the target as soon as it stops
        self.r.motion_end = time.monotonic() + metres * self.r.seconds_per_metre
        if not asynchronous:
            while self.r.moving():
                time.sleep(0.001)
            return not self.r.protective_stop
        return True

    def getAsyncOperationProgress(self) -> int:
        self.r.calls.append("getAsyncOperationProgress")
        return 0 if self.r.moving() else -1

    def stopL(self, a: float = 10.0, asynchronous: bool = False) -> None:
        self.r.calls.append("stopL")
        self.r.halt()

    def stopJ(self, a: float = 2.0, asynchronous: bool = False) -> None:
        self.r.calls.append("stopJ")
        self.r.halt()

    def isSteady(self) -> bool:
        return not self.r.moving()

    def isConnected(self) -> bool:
        return self.r.connected

    def isProgramRunning(self) -> bool:
        return self.r.program_running

    def triggerProtectiveStop(self) -> bool:
        self.r.calls.append("triggerProtectiveStop")
        self.r.trigger_protective_stop()
        return True

    def getInverseKinematicsHasSolution(self, x: list[float], qnear: list[float] | None = None,
                                        max_position_error: float = 1e-10,
                                        max_orientation_error: float = 1e-10) -> bool:
        return math.dist(x[:3], (0, 0, 0.16)) <= REACH_M

    def reuploadScript(self) -> bool:
        self.r.program_running = True
        return True

    def disconnect(self) -> None:
        self.r.calls.append("disconnect")


class FakeRTDEReceive:
    def __init__(self, robot: FakeURRobot) -> None:
        if not robot.connected:
            raise RuntimeError("could not connect to the RTDE interface")
        self.r = robot

    def _read(self) -> None:
        if not self.r.connected:
            raise RuntimeError("RTDE receive interface is not connected")

    def getActualQ(self) -> list[float]:
        self._read()
        return list(self.r.q)

    def getActualQd(self) -> list[float]:
        self._read()
        return [0.1 if self.r.moving() else 0.0] * 6

    def getActualTCPPose(self) -> list[float]:
        self._read()
        return list(self.r.tcp)

    def isProtectiveStopped(self) -> bool:
        self._read()
        return self.r.protective_stop

    def isEmergencyStopped(self) -> bool:
        self._read()
        return self.r.emergency_stop

    def disconnect(self) -> None:
        self.r.calls.append("receive.disconnect")


class FakeDashboard:
    def __init__(self, robot: FakeURRobot) -> None:
        self.r = robot

    def connect(self) -> None:
        if not self.r.connected:
            raise RuntimeError("could not connect to the dashboard server")

    def closeSafetyPopup(self) -> None:
        self.r.calls.append("closeSafetyPopup")

    def unlockProtectiveStop(self) -> None:
        self.r.calls.append("unlockProtectiveStop")
        if not self.r.emergency_stop:
            self.r.protective_stop = False

    def disconnect(self) -> None:
        pass


class FakeURBackend:
    """What `drivers.ur` asks of ur_rtde: `.control`, `.receive`, `.dashboard` for one robot."""

    def __init__(self, ip: str, robot: FakeURRobot | None = None) -> None:
        self.robot = robot or FakeURRobot()
        self.control = FakeRTDEControl(self.robot)
        self.receive = FakeRTDEReceive(self.robot)
        self.dashboard = FakeDashboard(self.robot)


def _within(name: str, value: float, maximum: float) -> None:
    if not 0.0 <= value <= maximum:
        raise ValueError(f"{name} {value} is outside the range [0, {maximum}]")
