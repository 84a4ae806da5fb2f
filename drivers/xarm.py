"""UFACTORY xArm through xArm-Python-SDK (`pip install stackbot[xarm]`), as an ArmDriver.

The SDK speaks millimetres and degrees and answers every command with an integer code; this
adapter speaks metres and radians and turns every non-zero code (and the controller's error and
warning codes) into the ArmError family. Moves are sent without waiting and then polled, so
`stop()` from another thread interrupts them.

A move is over as the SDK's own `XArm.wait_move` (xarm/x3/base.py) decides, polled faster: from
`get_state()` requests (the `state` property lags: it comes from the report thread), states 0
and 1 count as moving, and it takes `settle_readings` readings of 2 in a row after the motion was
seen (state 1), or `start_grace` seconds of them when it never was (too short to see), to believe
the arm idle. State 4 ends the wait: with an error code it is that fault, without one the motion
was stopped (`stop()`, the pendant, Studio) and did not finish: MotionInterrupted, as `wait_move`
answers EMERGENCY_STOP there. Tested only against `drivers.fakes.xarm_sdk`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from drivers.base import (
    ArmConnectionError,
    ArmDriver,
    ArmError,
    ArmFault,
    ArmInfo,
    ArmState,
    ArmTimeout,
    LimitError,
    MotionInterrupted,
    Pose,
    UnreachableError,
)
from drivers.tool import Tool, tool_from_config

# SDK return codes (xarm/x3/code.py, APIState)
CONNECTION_CODES = {-1: "not connected", 3: "reply timeout", 4: "reply length error",
                    5: "reply number error", 6: "protocol error", 7: "reply mismatch",
                    8: "network error"}
LIMIT_CODES = {-6: "Cartesian limit", -7: "joint limit", -8: "out of range", 12: "bad parameter"}
# Controller error codes (xArm controller manual)
ESTOP_ERRORS = {1, 2, 3}
UNREACHABLE_ERRORS = {21: "kinematic error", 25: "planning error"}
LIMIT_ERRORS = {23: "joint angle exceeds limit", 24: "speed exceeds limit",
                35: "safety boundary limit"}
UNREACHABLE_WARNINGS = {14: "no IK solution"}
# The end effector's codes (xarm/x3/code.py APIState; x3/gripper.py returns them)
END_EFFECTOR_CODES = {101: "its status could not be read (code 101): check its cable and baud rate",
                      102: "reports a fault (code 102)", 103: "is not enabled (code 103)"}
GRIPPER_OPEN, GRIPPER_CLOSED = 850.0, 0.0
COUNTS_PER_METRE = 10_000.0  # 850 counts = 85 mm opening

XARM6_LOWER = (-360.0, -118.0, -225.0, -360.0, -97.0, -360.0)
XARM6_UPPER = (360.0, 120.0, 11.0, 360.0, 180.0, 360.0)


def _import_sdk() -> Callable[..., Any]:
    try:
        from xarm.wrapper import XArmAPI  # type: ignore[import-not-found]
    except ImportError as error:
        raise ArmConnectionError("the xArm SDK is not installed: pip install 'stackbot[xarm]' "
                                 "(xarm-python-sdk)") from error
    return XArmAPI  # type: ignore[no-any-return]


class XArmDriver(ArmDriver):
    """`XArmDriver(ip, ...)`; `sdk_factory` builds the XArmAPI object (tests pass the fake)."""

    def __init__(
        self,
        ip: str,
        tcp_offset: tuple[float, ...] | None = None,
        payload_kg: float | None = None,
        payload_cog: tuple[float, float, float] | None = None,
        joint_lower_deg: tuple[float, ...] = XARM6_LOWER,
        joint_upper_deg: tuple[float, ...] = XARM6_UPPER,
        max_joint_speed_deg: float = 180.0,
        home_joints_deg: tuple[float, ...] = (0.0, -45.0, -30.0, 0.0, 75.0, 0.0),
        joint_speed: float = 0.5,
        linear_speed: float = 0.1,
        holding_threshold: float = 0.005,
        gripper_speed: float = 1500.0,
        poll_seconds: float = 0.01,
        settle_readings: int = 2,
        start_grace: float = 0.5,
        motion_timeout: float = 60.0,
        readback_timeout: float = 2.0,
        sdk_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.ip = ip
        self.tool: Tool = tool_from_config("xarm", tcp_offset, payload_kg, payload_cog)
        self.readback_timeout = readback_timeout
        self._lower = tuple(math.radians(v) for v in joint_lower_deg)
        self._upper = tuple(math.radians(v) for v in joint_upper_deg)
        self._vmax = math.radians(max_joint_speed_deg)
        self._home = tuple(math.radians(v) for v in home_joints_deg)
        self.joint_speed, self.linear_speed = joint_speed, linear_speed
        self.holding_threshold = holding_threshold
        if not 1.0 <= gripper_speed <= 5000.0:
            raise ValueError(f"robot.gripper_speed must be 1..5000 r/min (the xArm Gripper), "
                             f"got {gripper_speed}")
        self.gripper_speed = gripper_speed
        self.poll_seconds, self.motion_timeout = poll_seconds, motion_timeout
        self.settle_readings, self.start_grace = settle_readings, start_grace
        self._factory = sdk_factory
        self.api: Any = None
        self._scale, self._holding = 1.0, False
        self._interrupt = threading.Event()

    @property
    def info(self) -> ArmInfo:
        dof = len(self._lower)
        return ArmInfo(name="xarm", dof=dof, joint_lower=self._lower, joint_upper=self._upper,
                       max_joint_speed=(self._vmax,) * dof, home_joints=self._home,
                       has_async_moves=True, max_linear_speed=1.0)

    # lifecycle -------------------------------------------------------------------------------
    def connect(self) -> None:
        """Connect, clear old errors, enable motion, position mode, ready state, the tool set
        and read back, gripper on at its speed."""
        if self.api is None:
            factory = self._factory or _import_sdk()
            try:
                self.api = factory(self.ip, is_radian=False)
            except Exception as error:  # the SDK raises on a socket it cannot open
                raise ArmConnectionError(f"cannot connect to the xArm at {self.ip}: {error}") \
                    from error
        if not self.api.connected:
            raise ArmConnectionError(f"the xArm at {self.ip} is not connected")
        self._check(self.api.clean_warn(), "clean_warn")
        self._check(self.api.clean_error(), "clean_error")
        self._check(self.api.motion_enable(enable=True), "motion_enable")
        self._check(self.api.set_mode(0), "set_mode")
        self._check(self.api.set_state(state=0), "set_state")
        self._set_tool()
        self._check(self.api.set_gripper_mode(0), "set_gripper_mode")
        self._check(self.api.set_gripper_enable(True), "set_gripper_enable")
        self._check(self.api.set_gripper_speed(self.gripper_speed), "set_gripper_speed")

    def close(self) -> None:
        if self.api is not None:
            self.api.disconnect()
            self.api = None

    def get_state(self) -> ArmState:
        api = self._api()
        code, angles = api.get_servo_angle(is_radian=False)
        self._check(code, "get_servo_angle")
        code, pos = api.get_position(is_radian=False)
        self._check(code, "get_position")
        code, grip = api.get_gripper_position()
        self._check(code, "get_gripper_position")
        code, state = api.get_state()
        self._check(code, "get_state")
        error = self._error_code()
        x, y, z, roll, pitch, yaw = pos
        fault = f"controller error {error}" if error else None
        return ArmState(
            joints=tuple(math.radians(a) for a in angles[: len(self._lower)]),
            tool_pose=(x / 1000, y / 1000, z / 1000,
                       math.radians(roll), math.radians(pitch), math.radians(yaw)),
            gripper_width=float(grip) / COUNTS_PER_METRE, holding=self._holding,
            moving=state == 1, fault=fault, timestamp=time.time())

    # motion ------------------------------------------------------------------------------------
    def move_joints(self, joints: tuple[float, ...], speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        if len(joints) != len(self._lower):
            raise LimitError(f"expected {len(self._lower)} joints, got {len(joints)}")
        speed_deg = math.degrees((speed or self.joint_speed) * self._scale)
        code = self._api().set_servo_angle(
            angle=[math.degrees(q) for q in joints], speed=speed_deg,
            mvacc=None if accel is None else math.degrees(accel), wait=False, is_radian=False)
        self._check(code, "set_servo_angle")
        self._await_motion(timeout, "set_servo_angle")

    def move_linear(self, pose: Pose, speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        x, y, z, roll, pitch, yaw = pose
        code = self._api().set_position(
            x * 1000, y * 1000, z * 1000, math.degrees(roll), math.degrees(pitch),
            math.degrees(yaw), speed=(speed or self.linear_speed) * self._scale * 1000,
            mvacc=None if accel is None else accel * 1000, wait=False, is_radian=False)
        self._check(code, "set_position", unreachable_codes=(-6, -8))
        self._await_motion(timeout, "set_position")

    def is_reachable(self, pose: Pose) -> bool:
        x, y, z, roll, pitch, yaw = pose
        code, _ = self._api().get_inverse_kinematics(
            [x * 1000, y * 1000, z * 1000, *(math.degrees(v) for v in (roll, pitch, yaw))],
            input_is_radian=False, return_is_radian=False)
        return code == 0

    def gripper_open(self) -> None:
        code = self._api().set_gripper_position(GRIPPER_OPEN, wait=True)
        self._check(code, "set_gripper_position")
        self._holding = False

    def gripper_close(self) -> bool:
        api = self._api()
        self._check(api.set_gripper_position(GRIPPER_CLOSED, wait=True), "set_gripper_position")
        code, grip = api.get_gripper_position()
        self._check(code, "get_gripper_position")
        self._holding = float(grip) / COUNTS_PER_METRE > self.holding_threshold
        return self._holding

    def stop(self) -> None:
        """Stop motion (state 4) and make the arm ready again (state 0): not a fault."""
        self._interrupt.set()
        if self.api is not None and self.api.connected:
            self.api.set_state(state=4)
            self.api.set_state(state=0)

    def emergency_stop(self) -> None:
        self._interrupt.set()
        if self.api is not None:
            self.api.emergency_stop()

    def clear_fault(self) -> None:
        """Clear errors, warnings and the gripper's error; run the start-up sequence again."""
        if self.api is not None and self.api.connected:
            self._check(self.api.clean_gripper_error(), "clean_gripper_error")
        self.connect()

    def set_speed_scale(self, scale: float) -> None:
        if not 0.0 < scale <= 1.0:
            raise LimitError(f"speed scale must be in (0, 1], got {scale}")
        self._scale = scale

    # internals -------------------------------------------------------------------------------
    def _set_tool(self) -> None:
        """Set the TCP offset and payload (mm, degrees, kg), then the ready state the SDK's
        examples set after a new offset; read both back from the report (rich report, so it
        lags) until they hold or `readback_timeout` passes: ArmFault."""
        api, tool = self.api, self.tool
        offset = [*(v * 1000 for v in tool.tcp_offset[:3]),
                  *(math.degrees(v) for v in tool.tcp_offset[3:])]
        self._check(api.set_tcp_offset(offset, is_radian=False, wait=True), "set_tcp_offset")
        self._check(api.set_tcp_load(tool.payload_kg, [v * 1000 for v in tool.payload_cog]),
                    "set_tcp_load")
        self._check(api.set_state(state=0), "set_state")
        deadline = time.monotonic() + self.readback_timeout
        while differences := self._tool_differences():
            if time.monotonic() > deadline:
                raise ArmFault(f"the xArm at {self.ip} did not take the configured tool: it "
                               f"reads {differences}")
            time.sleep(0.02)

    def _tool_differences(self) -> str:
        offset, (mass, cog) = self.api.tcp_offset, self.api.tcp_load
        return self.tool.differences(
            [*(v / 1000 for v in offset[:3]), *(math.radians(v) for v in offset[3:6])],
            float(mass), [v / 1000 for v in cog])

    def _api(self) -> Any:
        if self.api is None:
            raise ArmConnectionError("xArm not connected; use `with driver:` or connect()")
        return self.api

    def _await_motion(self, timeout: float | None, what: str) -> None:
        """Until the arm is seen idle after the motion (see the module docstring)."""
        self._interrupt.clear()
        api, limit = self.api, timeout if timeout is not None else self.motion_timeout
        started = time.monotonic()
        seen_moving, idle_readings = False, 0
        while True:
            if self._interrupt.is_set():
                raise MotionInterrupted(f"xArm {what}: stopped by stop()")
            code, state = api.get_state()
            self._check(code, "get_state")
            if self._error_code():
                self._check(1, what)
            if state >= 4:
                raise MotionInterrupted(f"xArm {what}: the arm stopped (state {state}) before "
                                        "the motion finished")
            if state == 2:
                idle_readings += 1
                if idle_readings >= self.settle_readings and (
                        seen_moving or time.monotonic() - started >= self.start_grace):
                    return
            else:  # 0 (not started yet), 1 (moving), 3 (paused)
                seen_moving, idle_readings = seen_moving or state == 1, 0
            if time.monotonic() - started > limit:
                self.stop()
                raise ArmTimeout(f"xArm motion did not finish within {limit:.2f} s")
            time.sleep(self.poll_seconds)

    def _error_code(self) -> int:
        """The controller's error code now (a request: the `error_code` property lags)."""
        code, (error, _) = self.api.get_err_warn_code()
        self._check(code, "get_err_warn_code")
        return int(error)

    def _check(self, code: int, what: str, unreachable_codes: tuple[int, ...] = ()) -> None:
        """Raise the ArmError for an SDK return code (0: nothing to do)."""
        if code == 0:
            return
        raise self._error_for(code, what, unreachable_codes)

    def _error_for(self, code: int, what: str, unreachable_codes: tuple[int, ...]) -> ArmError:
        api = self.api
        if code in CONNECTION_CODES:
            return ArmConnectionError(f"xArm {what}: {CONNECTION_CODES[code]} (code {code})")
        if code == -9:
            return ArmFault(f"xArm {what}: emergency stop (code -9)")
        if code in (-2, 9):
            return ArmFault(f"xArm {what}: not ready (motion disabled or stopped; code {code})"
                            "; call clear_fault()")
        if code in unreachable_codes:
            return UnreachableError(f"xArm {what}: target unreachable ({LIMIT_CODES[code]})")
        if code in LIMIT_CODES:
            return LimitError(f"xArm {what}: {LIMIT_CODES[code]} (code {code})")
        if code == 100:
            return ArmTimeout(f"xArm {what}: waiting for the motion timed out (code 100)")
        if code in END_EFFECTOR_CODES:
            return self._end_effector_fault(code, what)
        if code == 1:
            return self._controller_error(self._error_code(), what)
        if code == 2:
            _, (_, warn) = api.get_err_warn_code()
            api.clean_warn()
            if warn in UNREACHABLE_WARNINGS:
                return UnreachableError(f"xArm {what}: {UNREACHABLE_WARNINGS[warn]} "
                                        f"(warning {warn})")
            return LimitError(f"xArm {what}: controller warning {warn}")
        return ArmError(f"xArm {what} failed with code {code}")

    def _end_effector_fault(self, code: int, what: str) -> ArmFault:
        detail = END_EFFECTOR_CODES[code]
        if code == 102:
            _, gripper_error = self.api.get_gripper_err_code()
            detail = f"reports fault {gripper_error} (code 102)"
        return ArmFault(f"xArm {what}: the gripper {detail}; call clear_fault()")

    def _controller_error(self, error: int, what: str) -> ArmError:
        if error in ESTOP_ERRORS:
            return ArmFault(f"xArm {what}: emergency stop pressed (error {error})")
        if error in UNREACHABLE_ERRORS:  # a refused target, not a broken arm: recover
            self.api.clean_error()
            self.api.motion_enable(enable=True)
            self.api.set_state(state=0)
            return UnreachableError(f"xArm {what}: {UNREACHABLE_ERRORS[error]} (error {error})")
        if error in LIMIT_ERRORS:
            return LimitError(f"xArm {what}: {LIMIT_ERRORS[error]} (error {error}); the arm "
                              "stopped: call clear_fault()")
        return ArmFault(f"xArm {what}: controller error {error}; call clear_fault()")
