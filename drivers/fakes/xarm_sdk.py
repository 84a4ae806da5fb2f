"""An in-package stand-in for xArm-Python-SDK's `XArmAPI` (no hardware or vendor simulator here).

Conventions the adapter relies on (xarm/wrapper/xarm_api.py, xarm/x3/code.py of SDK 1.18.4):
every command returns an integer code (0 success; -1 not connected, -2 not ready, -6 Cartesian
limit, -7 joint limit, -8 out of range, -9 emergency stop, 1 uncleared controller error, 2
uncleared warning, 3 reply timeout, 100 wait-finish timeout, 101 status checks failed, 102
end-effector fault, 103 end effector not enabled), getters return `(code, value)`, lengths are
millimetres, angles degrees (`is_radian=False`), the gripper runs 0 (closed) .. 850; motion needs
`motion_enable(True)`, `set_mode(0)`, `set_state(0)` first.

Timing and failures as the SDK shows them:
- The properties `state`, `error_code`, `warn_code`, `position`, `angles`, `tcp_offset`,
  `tcp_load` come from the report socket (port 30002, 'rich'), read by the SDK's report thread
  (`_auto_get_report_thread`, `__handle_report_rich` in xarm/x3/base.py): here a thread publishes
  a snapshot of the controller every `report_period` s, seen `report_lag` s later (default
  150 ms, the lag of issue 26). `get_state()`, `get_position()`, `get_servo_angle()`,
  `get_err_warn_code()` are requests on the command socket: fresh, and `get_state()` overwrites
  the reported state until the next report arrives (base.py `get_state`).
- The controller runs motion commands in order, each `start_delay` s after its command at the
  earliest (it plans first), at the command's speed or the last one given (the SDK starts at
  100 mm/s and 20 deg/s), in `time_scale` times the time that takes; until a motion starts the
  state is what it was (0 after `set_state(0)`); moving is 1, finished 2. The SDK's own
  `wait_move` (base.py) therefore treats 0 and 1 as moving and wants consecutive readings of 2.
- `set_state(4)` (or the pendant's stop, `pendant_stop()`) halts the arm where it is: state 4
  and no error code, until `set_state(0)`; `wait_move` answers EMERGENCY_STOP there.
- The gripper: `drivers.fakes.xarm_gripper`.
- `set_tcp_offset` / `set_tcp_load` change what the controller reports: positions are of the tool
  centre point, flange pose composed with the offset (xarm_api.py `set_tcp_offset`).
Kinematics are a sphere of reach around the base; tests script failures with `fail_next`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import replace
from typing import Any

from drivers.fakes.timed_motion import Motion
from drivers.fakes.xarm_gripper import FakeXArmGripper
from drivers.fakes.xarm_motion import Pose, Report, compose, inverse

REACH_MM = 700.0


class FakeXArmAPI(FakeXArmGripper):
    def __init__(self, port: str | None = None, is_radian: bool = False,
                 do_not_open: bool = False, object_width_mm: float = 0.0,
                 time_scale: float = 1.0, report_lag: float = 0.15,
                 report_period: float = 0.01, start_delay: float = 0.02,
                 **kwargs: Any) -> None:
        if is_radian:
            raise ValueError("this fake models is_radian=False only")
        self.port = port
        self.connected = not do_not_open
        self.axis = 6
        self.object_width_mm = object_width_mm  # what lies between the fingers when they close
        self.time_scale, self.start_delay = time_scale, start_delay
        self._speeds = {"linear": 100.0, "joint": 20.0}  # the SDK's first speeds: mm/s, deg/s
        self.report_lag, self.report_period = report_lag, report_period
        self.calls: list[str] = []
        self.motions: list[Motion] = []
        self._scripted: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.RLock()
        # the controller's truth
        self._error, self._warn = 0, 0
        self.mode, self._state, self.enabled = 0, 4, False
        self._rest = {"linear": [207.0, 0.0, 300.0, 180.0, 0.0, 0.0],
                      "joint": [0.0, -45.0, -30.0, 0.0, 75.0, 0.0, 0.0]}
        self._ready_since = 0.0  # motions commanded before the last set_state(0) are history
        self._offset: Pose = [0.0] * 6
        self._load: list[Any] = [0.0, [0.0, 0.0, 0.0]]
        self.gripper_pos, self.gripper_enabled = 850.0, False
        self.gripper_speed: float | None = None
        self.gripper_error = 0
        self._reports: deque[Report] = deque()
        self._seen = self._snapshot(time.monotonic())
        self._closed = threading.Event()
        if self.connected:
            threading.Thread(target=self._report_thread, daemon=True).start()

    # test hooks ----------------------------------------------------------------------------------
    def fail_next(self, method: str, code: int, error_code: int = 0, warn_code: int = 0) -> None:
        """The next call of `method` returns `code` and leaves these controller codes."""
        self._scripted[method] = (code, error_code, warn_code)

    def controller_error(self, error_code: int) -> None:
        """The controller raises an error by itself (collision, e-stop button, ...): it stops."""
        with self._lock:
            self._halt()
            self._error, self._state = error_code, 4

    def pendant_stop(self) -> None:
        """Someone stops the arm (pendant, UFactory Studio): state 4, no error code."""
        with self._lock:
            self._halt()
            self._state = 4

    @property
    def flange(self) -> Pose:
        return self._at("linear", time.monotonic())

    @property
    def tcp(self) -> Pose:
        """The tool centre point now, on the controller (not the reported one)."""
        with self._lock:
            return compose(self.flange, self._offset)

    @property
    def joint_angles(self) -> list[float]:
        return self._at("joint", time.monotonic())

    def _begin(self, method: str) -> int:
        self.calls.append(method)
        if method in self._scripted:
            code, err, warn = self._scripted.pop(method)
            self._error = err or self._error
            self._warn = warn or self._warn
            return code
        if not self.connected:
            return -1
        return 0

    def _ready(self, method: str) -> int:
        code = self._begin(method)
        if code:
            return code
        if self._error:
            return 1
        if self._warn:
            return 2
        if not self.enabled or self.mode != 0 or self._state_at(time.monotonic()) in (3, 4):
            return -2
        return 0

    # the controller's clock ----------------------------------------------------------------------
    def _at(self, kind: str, now: float) -> list[float]:
        with self._lock:
            for motion in reversed(self.motions):
                if motion.kind == kind and motion.start <= now:
                    return motion.at(now)
            return list(self._rest[kind])

    def _state_at(self, now: float) -> int:
        with self._lock:
            if self._state in (3, 4):
                return self._state
            recent = [m for m in self.motions if m.commanded >= self._ready_since]
            if any(m.start <= now < m.end for m in recent):
                return 1
            return 2 if any(m.end <= now for m in recent) else self._state

    def _busy(self, now: float) -> bool:
        with self._lock:
            return self._state not in (3, 4) and any(m.end > now for m in self.motions)

    def _halt(self) -> None:
        """Stop where the arm is now; what was queued is dropped."""
        with self._lock:
            now = time.monotonic()
            for kind in self._rest:
                self._rest[kind] = self._at(kind, now)
            self.motions = [m for m in self.motions if m.start <= now]
            for motion in self.motions:
                if motion.end > now:
                    motion.to, motion.end, motion.stopped = motion.at(now), now, True

    def _snapshot(self, now: float) -> Report:
        with self._lock:
            return Report(now, self._state_at(now), self._error, self._warn,
                          compose(self._at("linear", now), self._offset),
                          self._at("joint", now), list(self._offset),
                          [self._load[0], list(self._load[1])])

    def _report_thread(self) -> None:
        while not self._closed.wait(self.report_period):
            now = time.monotonic()
            self._reports.append(self._snapshot(now))
            while self._reports and self._reports[0].time <= now - self.report_lag:
                self._seen = self._reports.popleft()

    # reported state (lags) -----------------------------------------------------------------------
    @property
    def state(self) -> int:
        return self._seen.state

    @property
    def error_code(self) -> int:
        return self._seen.error_code

    @property
    def warn_code(self) -> int:
        return self._seen.warn_code

    @property
    def has_error(self) -> bool:
        return self.error_code != 0

    @property
    def position(self) -> Pose:
        return list(self._seen.position)

    @property
    def angles(self) -> list[float]:
        return list(self._seen.angles)

    @property
    def tcp_offset(self) -> Pose:
        return list(self._seen.tcp_offset)

    @property
    def tcp_load(self) -> list[Any]:
        return list(self._seen.tcp_load)

    # requests (fresh) ----------------------------------------------------------------------------
    def get_state(self) -> tuple[int, int]:
        code = self._begin("get_state")
        state = self._state_at(time.monotonic())
        if code == 0:
            self._seen = replace(self._seen, state=state)
        return code, state

    def get_err_warn_code(self) -> tuple[int, list[int]]:
        code = self._begin("get_err_warn_code")
        if code == 0:
            self._seen = replace(self._seen, error_code=self._error, warn_code=self._warn)
        return code, [self._error, self._warn]

    def get_position(self, is_radian: bool | None = None) -> tuple[int, list[float] | None]:
        code = self._begin("get_position")
        return (code, self.tcp) if code >= 0 else (code, None)

    def get_servo_angle(self, servo_id: int | None = None,
                        is_radian: bool | None = None) -> tuple[int, list[float] | None]:
        code = self._begin("get_servo_angle")
        return (code, self.joint_angles) if code >= 0 else (code, None)

    def get_inverse_kinematics(self, pose: list[float], input_is_radian: bool | None = None,
                               return_is_radian: bool | None = None) -> tuple[int, list[float]]:
        code = self._begin("get_inverse_kinematics")
        if code:
            return code, []
        if math.dist(pose[:3], (0.0, 0.0, 267.0)) > REACH_MM:
            return -8, []
        return 0, self.joint_angles[:6]

    # set-up ----------------------------------------------------------------------------------
    def motion_enable(self, enable: bool = True, servo_id: int | None = None) -> int:
        code = self._begin("motion_enable")
        if code == 0:
            self.enabled = bool(enable)
        return code

    def set_mode(self, mode: int = 0) -> int:
        code = self._begin("set_mode")
        if code == 0:
            self.mode = mode
        return code

    def set_state(self, state: int = 0) -> int:
        code = self._begin("set_state")
        if code == 0:
            with self._lock:
                if state == 4:
                    self._halt()
                self._state = state
                if state == 0:
                    self._ready_since = time.monotonic()
        return code

    def clean_error(self) -> int:
        code = self._begin("clean_error")
        if code == 0:
            self._error = 0
        return code

    def clean_warn(self) -> int:
        code = self._begin("clean_warn")
        if code == 0:
            self._warn = 0
        return code

    def set_tcp_offset(self, offset: list[float], is_radian: bool | None = None,
                       wait: bool = True, **kwargs: Any) -> int:
        code = self._begin("set_tcp_offset")
        if code == 0:
            if wait:
                self._wait_motion()
            with self._lock:
                self._offset = [float(v) for v in offset[:6]]
        return code

    def set_tcp_load(self, weight: float, center_of_gravity: list[float], wait: bool = False,
                     **kwargs: Any) -> int:
        code = self._ready("set_tcp_load")  # @xarm_is_ready in the SDK
        if code == 0:
            with self._lock:
                self._load = [float(weight), [float(v) for v in center_of_gravity]]
        return code

    def emergency_stop(self) -> None:
        self.calls.append("emergency_stop")
        with self._lock:
            self._halt()
            self._state, self.enabled = 4, False

    def disconnect(self) -> None:
        self.calls.append("disconnect")
        self.connected = False
        self._closed.set()

    # motion ----------------------------------------------------------------------------------
    def set_position(self, x: float | None = None, y: float | None = None,
                     z: float | None = None, roll: float | None = None,
                     pitch: float | None = None, yaw: float | None = None,
                     speed: float | None = None, mvacc: float | None = None,
                     wait: bool = False, is_radian: bool | None = None,
                     **kwargs: Any) -> int:
        code = self._ready("set_position")
        if code:
            return code
        target = [x, y, z, roll, pitch, yaw]
        if any(v is None for v in target):
            return -8
        if math.dist(target[:3], (0.0, 0.0, 267.0)) > REACH_MM:  # type: ignore[arg-type]
            return -6  # Cartesian limit: the controller refuses the target
        with self._lock:
            frm = self._queued_end("linear")
            to = compose([float(v) for v in target], inverse(self._offset))  # type: ignore[arg-type]
            self._queue("linear", frm, to, speed,
                        math.dist(compose(frm, self._offset)[:3], target[:3]))  # type: ignore[arg-type]
        return 0

    def set_servo_angle(self, servo_id: int | None = None, angle: list[float] | None = None,
                        speed: float | None = None, mvacc: float | None = None,
                        wait: bool = False, is_radian: bool | None = None, **kwargs: Any) -> int:
        code = self._ready("set_servo_angle")
        if code:
            return code
        if angle is None or len(angle) < self.axis:
            return -8
        if any(abs(a) > 360.0 for a in angle):
            return -7
        with self._lock:
            frm = self._queued_end("joint")
            to = [float(a) for a in angle[: self.axis]] + [0.0]
            self._queue("joint", frm, to, speed,
                        max(abs(a - b) for a, b in zip(to, frm, strict=True)))
        return 0

    def _queued_end(self, kind: str) -> list[float]:
        """Where the arm will be once what is queued has run."""
        return self._at(kind, math.inf)

    def _queue(self, kind: str, frm: list[float], to: list[float], speed: float | None,
               amount: float) -> None:
        """The controller runs commands in order, this one after those still queued, at
        `speed` (none: the last one given), in `time_scale` times the time that takes."""
        now = time.monotonic()
        self._speeds[kind] = float(speed or self._speeds[kind])
        start = max([now + self.start_delay, *(m.end for m in self.motions)])
        self.motions.append(Motion(kind, frm, to, now, start,
                                   start + self.time_scale * amount / self._speeds[kind]))

    def _wait_motion(self) -> None:
        while self._busy(time.monotonic()):
            time.sleep(0.005)
