"""The xArm Gripper part of the fake `XArmAPI` (x3/gripper.py of xArm-Python-SDK 1.18.4):
positions 0 (closed) .. 850, speed in r/min; `set_gripper_position(wait=True)` first waits for the
arm's motion (`wait_motion`); a gripper error makes commands return 102 (END_EFFECTOR_HAS_FAULT),
its code read with `get_gripper_err_code()`; a disabled gripper answers 103."""

from __future__ import annotations

from typing import Any


class FakeXArmGripper:
    """Mixed into `FakeXArmAPI`, which provides `_begin`, `_wait_motion` and `_error`."""

    object_width_mm: float
    gripper_pos: float
    gripper_enabled: bool
    gripper_speed: float | None
    gripper_error: int
    _error: int

    def _begin(self, method: str) -> int:
        raise NotImplementedError

    def _wait_motion(self) -> None:
        raise NotImplementedError

    def gripper_fault(self, code: int) -> None:
        """Test hook: the gripper reports an error code (overcurrent, ...)."""
        self.gripper_error = code

    def set_gripper_enable(self, enable: bool, **kwargs: Any) -> int:
        code = self._begin("set_gripper_enable")
        if code == 0:
            self.gripper_enabled = bool(enable)
        return code

    def set_gripper_mode(self, mode: int, **kwargs: Any) -> int:
        return self._begin("set_gripper_mode")

    def set_gripper_speed(self, speed: float, **kwargs: Any) -> int:
        code = self._begin("set_gripper_speed")
        if code == 0:
            if self.gripper_error:
                return 102
            self.gripper_speed = float(speed)
        return code

    def set_gripper_position(self, pos: float, wait: bool = False, speed: float | None = None,
                             auto_enable: bool = False, timeout: float | None = None,
                             **kwargs: Any) -> int:
        code = self._begin("set_gripper_position")
        if code:
            return code
        if kwargs.get("wait_motion", True):
            self._wait_motion()
        if self._error:
            return 1
        if self.gripper_error:
            self.gripper_enabled = False  # as the SDK's _get_modbus_gripper_err_code does
            return 102
        if not (self.gripper_enabled or auto_enable):
            return 103
        if speed is not None:
            self.gripper_speed = float(speed)
        blocked = self.object_width_mm * 10.0  # the gripper counts ~10 per millimetre
        self.gripper_pos = max(float(pos), blocked) if pos < self.gripper_pos else float(pos)
        return 0

    def get_gripper_position(self, **kwargs: Any) -> tuple[int, float | None]:
        code = self._begin("get_gripper_position")
        if code == 0 and self.gripper_error:
            return 102, None
        return (code, self.gripper_pos) if code == 0 else (code, None)

    def get_gripper_err_code(self, **kwargs: Any) -> tuple[int, int]:
        return self._begin("get_gripper_err_code"), self.gripper_error

    def clean_gripper_error(self, **kwargs: Any) -> int:
        code = self._begin("clean_gripper_error")
        if code == 0:
            self.gripper_error = 0
        return code
