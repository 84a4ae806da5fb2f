"""An in-package stand-in for xArm-Python-SDK's `XArmAPI` (no hardware or vendor simulator here).

It reproduces the SDK's documented conventions that the adapter relies on: every command
returns an integer code (0 success; -1 not connected, -2 not ready, -6 Cartesian limit, -7 joint
limit, -8 out of range, -9 emergency stop, 1 uncleared controller error, 2 uncleared warning,
3 reply timeout, 100 wait-finish timeout), getters return `(code, value)`, the controller's
error and warning codes are in `error_code` / `warn_code`, lengths are millimetres, angles
degrees (`is_radian=False`), `state` 1 means moving, 4 stopped; motion needs
`motion_enable(True)`, `set_mode(0)`, `set_state(0)` first; the gripper runs 0 (closed) .. 850.
Kinematics are a sphere of reach around the base; tests script failures with `fail_next`.
"""

from __future__ import annotations

import math
import time
from typing import Any

REACH_MM = 700.0


class FakeXArmAPI:
    def __init__(self, port: str | None = None, is_radian: bool = False,
                 do_not_open: bool = False, object_width_mm: float = 0.0,
                 seconds_per_mm: float = 0.0, **kwargs: Any) -> None:
        if is_radian:
            raise ValueError("this fake models is_radian=False only")
        self.port = port
        self.connected = not do_not_open
        self.axis = 6
        self.error_code, self.warn_code = 0, 0
        self.mode, self._state, self.enabled = 0, 4, False
        self.object_width_mm = object_width_mm  # what lies between the fingers when they close
        self.seconds_per_mm = seconds_per_mm
        self.position = [207.0, 0.0, 112.0, 180.0, 0.0, 0.0]
        self.angles = [0.0, -45.0, -30.0, 0.0, 75.0, 0.0, 0.0]
        self.gripper_pos, self.gripper_enabled = 850.0, False
        self.calls: list[str] = []
        self._scripted: dict[str, tuple[int, int, int]] = {}
        self._motion_end = 0.0

    # test hooks ----------------------------------------------------------------------------------
    def fail_next(self, method: str, code: int, error_code: int = 0, warn_code: int = 0) -> None:
        """The next call of `method` returns `code` and leaves these controller codes."""
        self._scripted[method] = (code, error_code, warn_code)

    def controller_error(self, error_code: int) -> None:
        """The controller raises an error by itself (collision, e-stop button, ...)."""
        self.error_code, self._state = error_code, 4

    def _begin(self, method: str) -> int:
        self.calls.append(method)
        if method in self._scripted:
            code, err, warn = self._scripted.pop(method)
            self.error_code = err or self.error_code
            self.warn_code = warn or self.warn_code
            return code
        if not self.connected:
            return -1
        return 0

    def _ready(self, method: str) -> int:
        code = self._begin(method)
        if code:
            return code
        if self.error_code:
            return 1
        if self.warn_code:
            return 2
        if not self.enabled or self.mode != 0 or self.state in (3, 4):
            return -2
        return 0

    # state -----------------------------------------------------------------------------------
    @property
    def state(self) -> int:
        if self._state == 1 and time.monotonic() >= self._motion_end:
            self._state = 2
        return self._state

    @property
    def has_error(self) -> bool:
        return self.error_code != 0

    def get_state(self) -> tuple[int, int]:
        return self._begin("get_state"), self.state

    def get_err_warn_code(self) -> tuple[int, list[int]]:
        return self._begin("get_err_warn_code"), [self.error_code, self.warn_code]

    def get_position(self, is_radian: bool | None = None) -> tuple[int, list[float] | None]:
        code = self._begin("get_position")
        return (code, list(self.position)) if code >= 0 else (code, None)

    def get_servo_angle(self, servo_id: int | None = None,
                        is_radian: bool | None = None) -> tuple[int, list[float] | None]:
        code = self._begin("get_servo_angle")
        return (code, list(self.angles)) if code >= 0 else (code, None)

    def get_inverse_kinematics(self, pose: list[float], input_is_radian: bool | None = None,
                               return_is_radian: bool | None = None) -> tuple[int, list[float]]:
        code = self._begin("get_inverse_kinematics")
        if code:
            return code, []
        if math.dist(pose[:3], (0.0, 0.0, 267.0)) > REACH_MM:
            return -8, []
        return 0, list(self.angles[:6])

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
            if state == 4 and self._state == 1:
                self._motion_end = time.monotonic()  # stops where it is (the target, here)
            self._state = 0 if state == 0 else state
        return code

    def clean_error(self) -> int:
        code = self._begin("clean_error")
        if code == 0:
            self.error_code = 0
        return code

    def clean_warn(self) -> int:
        code = self._begin("clean_warn")
        if code == 0:
            self.warn_code = 0
        return code

    def emergency_stop(self) -> None:
        self.calls.append("emergency_stop")
        self._state, self.enabled = 4, False

    def disconnect(self) -> None:
        self.calls.append("disconnect")
        self.connected = False

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
        if math.dist(target[:3], (0.0, 0.0, 267.0)) > REACH_MM:
            return -6  # Cartesian limit: the controller refuses the target
        self._move(math.dist(self.position[:3], target[:3]))
        self.position = [float(v) for v in target]  # type: ignore[arg-type]
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
        self._move(max(abs(a - b) for a, b in zip(angle, self.angles, strict=False)))
        self.angles = [float(a) for a in angle[: self.axis]] + [0.0]
        return 0

    def _move(self, amount: float) -> None:
        self._state = 1
        self._motion_end = time.monotonic() + amount * self.seconds_per_mm

    # gripper ---------------------------------------------------------------------------------
    def set_gripper_enable(self, enable: bool, **kwargs: Any) -> int:
        code = self._begin("set_gripper_enable")
        if code == 0:
            self.gripper_enabled = bool(enable)
        return code

    def set_gripper_mode(self, mode: int, **kwargs: Any) -> int:
        return self._begin("set_gripper_mode")

    def set_gripper_speed(self, speed: float, **kwargs: Any) -> int:
        return self._begin("set_gripper_speed")

    def set_gripper_position(self, pos: float, wait: bool = False, speed: float | None = None,
                             auto_enable: bool = False, timeout: float | None = None,
                             **kwargs: Any) -> int:
        code = self._begin("set_gripper_position")
        if code:
            return code
        if self.error_code:
            return 1
        if not (self.gripper_enabled or auto_enable):
            self.error_code = 28  # gripper communication/enable error
            return 1
        blocked = self.object_width_mm * 10.0  # the gripper counts ~10 per millimetre
        self.gripper_pos = max(float(pos), blocked) if pos < self.gripper_pos else float(pos)
        return 0

    def get_gripper_position(self, **kwargs: Any) -> tuple[int, float | None]:
        code = self._begin("get_gripper_position")
        return (code, self.gripper_pos) if code == 0 else (code, None)

    def get_gripper_err_code(self, **kwargs: Any) -> tuple[int, int]:
        return self._begin("get_gripper_err_code"), 0
