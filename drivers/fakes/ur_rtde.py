"""An in-package stand-in for ur_rtde 1.6.5 (RTDEControlInterface, RTDEReceiveInterface,
DashboardClient), no controller or URSim here.

Conventions the adapter relies on: moves return False when the controller refuses them
(protective or emergency stop, program not running); out-of-range speeds or accelerations raise
ValueError (pybind11's mapping of std::range_error); a lost connection raises RuntimeError; poses
are [x, y, z, rx, ry, rz] in metres and a rotation vector, of the tool centre point set with
`setTcp` (the flange composed with it); `getTCPOffset()`, `getPayload()`, `getPayloadCog()` read
back what `setTcp` / `setPayload` set. Kinematics: a sphere of reach (UR5e: 0.85 m).

Timing and failures as the library shows them (the control script embedded in librtde,
`rtde_control.script`, and the docstring of `getAsyncOperationProgress`):
- An asynchronous move returns at once; the script runs it in a separate `move_thread`, which
  calls `signal_async_operation_started()` when it gets to run: here `start_delay` s later.
  Until then `getAsyncOperationProgress()` still shows the previous operation's value.
- While an operation runs the progress is >= 0; when it ends it is negative, alternately -1 and
  -2 ("the returned values of two consecutive async operations is never equal ... this allows
  the application to clearly detect the end of an operation even if it is too short to see its
  start").
- A new move stops the running asynchronous one first (`stop_async_move()` at the start of each
  move command): the arm stops where it is and goes to the new target.
- A move takes `time_scale` times distance / speed (metres at m/s; radians at rad/s).
- The dashboard refuses `unlock protective stop` for 5 s after the stop (the Dashboard Server
  manual: "Cannot unlock protective stop until 5s after occurrence ..."), and ur_rtde's
  `unlockProtectiveStop` raises RuntimeError("Unlock protective stop failure: " + the reply);
  the window is `unlock_window` here, so tests need not wait 5 s.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from drivers.fakes.timed_motion import Motion
from drivers.rotations import matrix_to_rotvec, rotvec_to_matrix

REACH_M = 0.85
TOOL_SPEED_MAX, TOOL_ACC_MAX, JOINT_SPEED_MAX, JOINT_ACC_MAX = 3.0, 150.0, 3.14, 40.0
REFUSED_UNLOCK = ("Cannot unlock protective stop until 5s after occurrence. Always inspect cause "
                  "of protective stop before unlocking")


def compose(pose: list[float], offset: list[float]) -> list[float]:
    """ur_rtde's `poseTrans(pose, offset)`: `offset` expressed in `pose`'s frame."""
    rotation = rotvec_to_matrix(*pose[3:])
    xyz = np.asarray(pose[:3]) + rotation @ np.asarray(offset[:3])
    return [*map(float, xyz), *matrix_to_rotvec(rotation @ rotvec_to_matrix(*offset[3:]))]


def inverse(offset: list[float]) -> list[float]:
    rotation = rotvec_to_matrix(*offset[3:]).T
    return [*map(float, -rotation @ np.asarray(offset[:3])), *matrix_to_rotvec(rotation)]


class FakeURRobot:
    """The controller's state, shared by the three interfaces."""

    def __init__(self, time_scale: float = 1.0, start_delay: float = 0.02,
                 unlock_window: float = 5.0) -> None:
        self.protective_stop = self.emergency_stop = False
        self.connected, self.program_running = True, True
        self.time_scale, self.start_delay, self.unlock_window = time_scale, start_delay, \
            unlock_window
        self.tcp_offset = [0.0] * 6
        self.payload, self.payload_cog = 0.0, [0.0, 0.0, 0.0]
        self.stopped_at = -math.inf
        self.motions: list[Motion] = []
        self.operations = 0  # asynchronous operations started
        self.calls: list[str] = []
        self._lock = threading.RLock()
        self._rest = {"pose": [0.4, 0.0, 0.3, math.pi, 0.0, 0.0],
                      "q": [0.0, -1.57, 1.57, -1.57, -1.57, 0.0]}

    def at(self, kind: str, now: float) -> list[float]:
        with self._lock:
            for motion in reversed(self.motions):
                if motion.kind == kind and motion.start <= now:
                    return motion.at(now)
            return list(self._rest[kind])

    @property
    def flange(self) -> list[float]:
        return self.at("pose", time.monotonic())

    @property
    def tcp(self) -> list[float]:
        return compose(self.flange, self.tcp_offset)

    @property
    def q(self) -> list[float]:
        return self.at("q", time.monotonic())

    def moving(self) -> bool:
        now = time.monotonic()
        return any(m.start <= now < m.end for m in self.motions)

    def progress(self) -> int:
        """What `getAsyncOperationProgress()` reads now."""
        now = time.monotonic()
        with self._lock:
            started = [m for m in self.motions if m.start <= now]
            running = bool(started) and now < started[-1].end
            finished = len(started) - (1 if running else 0)
            return 0 if running else -1 - finished % 2

    def trigger_protective_stop(self) -> None:
        """What a collision does: the arm stops where it is and the async operation ends."""
        with self._lock:
            self.halt()
            self.protective_stop, self.stopped_at = True, time.monotonic()

    def halt(self) -> None:
        """Stop where the arm is now (a stop, or `stop_async_move()`); drop what has not begun."""
        with self._lock:
            now = time.monotonic()
            for kind in self._rest:
                self._rest[kind] = self.at(kind, now)
            self.motions = [m for m in self.motions if m.start <= now]
            for motion in self.motions:
                if motion.end > now:
                    motion.to, motion.end, motion.stopped = motion.at(now), now, True

    def move(self, kind: str, target: list[float], amount: float, speed: float) -> None:
        with self._lock:
            self.halt()  # stop_async_move(): the running move ends here
            now = time.monotonic()
            start = now + self.start_delay
            self.motions.append(Motion(kind, self.at(kind, now), list(target), now, start,
                                       start + self.time_scale * amount / max(speed, 1e-9),
                                       interpolated=3 if kind == "pose" else None))


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
        flange = compose(list(pose), inverse(self.r.tcp_offset))
        self.r.move("pose", flange, math.dist(self.r.tcp[:3], pose[:3]), speed)
        return self._finish(asynchronous)

    def moveJ(self, q: list[float], speed: float = 1.05, acceleration: float = 1.4,
              asynchronous: bool = False) -> bool:
        _within("speed", speed, JOINT_SPEED_MAX)
        _within("acceleration", acceleration, JOINT_ACC_MAX)
        if not self._usable("moveJ") or len(q) != 6:
            return False
        self.r.move("q", list(q), max(abs(a - b) for a, b in zip(q, self.r.q, strict=True)),
                    speed)
        return self._finish(asynchronous)

    def _finish(self, asynchronous: bool) -> bool:
        if asynchronous:
            return True
        while self.r.moving() or self.r.progress() >= 0 or any(
                m.start > time.monotonic() for m in self.r.motions):
            time.sleep(0.001)
        return not self.r.protective_stop

    def getAsyncOperationProgress(self) -> int:
        self.r.calls.append("getAsyncOperationProgress")
        return self.r.progress()

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

    def setTcp(self, tcp_offset: list[float]) -> bool:
        self._usable("setTcp")
        self.r.tcp_offset = [float(v) for v in tcp_offset]
        return True

    def getTCPOffset(self) -> list[float]:
        self._usable("getTCPOffset")
        return list(self.r.tcp_offset)

    def setPayload(self, mass: float, cog: list[float] | None = None) -> bool:
        self._usable("setPayload")
        self.r.payload = float(mass)
        if cog:
            self.r.payload_cog = [float(v) for v in cog]
        return True

    def getInverseKinematicsHasSolution(self, x: list[float], qnear: list[float] | None = None,
                                        max_position_error: float = 1e-10,
                                        max_orientation_error: float = 1e-10) -> bool:
        return math.dist(x[:3], (0, 0, 0.16)) <= REACH_M

    def reuploadScript(self) -> bool:
        """A new control script: the TCP and payload are the installation's again."""
        self.r.program_running = True
        self.r.tcp_offset, self.r.payload = [0.0] * 6, 0.0
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
        return self.r.q

    def getActualQd(self) -> list[float]:
        self._read()
        return [0.1 if self.r.moving() else 0.0] * 6

    def getActualTCPPose(self) -> list[float]:
        self._read()
        return self.r.tcp

    def getPayload(self) -> float:
        self._read()
        return self.r.payload

    def getPayloadCog(self) -> list[float]:
        self._read()
        return list(self.r.payload_cog)

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
        if not self.r.connected:
            raise RuntimeError("Dashboard client is not connected")
        if self.r.emergency_stop or not self.r.protective_stop:
            return
        if time.monotonic() - self.r.stopped_at < self.r.unlock_window:
            raise RuntimeError(f"Unlock protective stop failure: {REFUSED_UNLOCK}")
        self.r.protective_stop = False

    def disconnect(self) -> None:
        pass


class FakeURBackend:
    """What `drivers.ur` asks of ur_rtde: `.control`, `.receive`, `.dashboard` for one robot."""

    def __init__(self, ip: str, robot: FakeURRobot | None = None, **robot_options: float) -> None:
        self.robot = robot or FakeURRobot(**robot_options)
        self.control = FakeRTDEControl(self.robot)
        self.receive = FakeRTDEReceive(self.robot)
        self.dashboard = FakeDashboard(self.robot)


def _within(name: str, value: float, maximum: float) -> None:
    if not 0.0 <= value <= maximum:
        raise ValueError(f"{name} {value} is outside the range [0, {maximum}]")
