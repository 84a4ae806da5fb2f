"""Universal Robots arms through ur_rtde (`pip install stackbot[ur]`) with a Robotiq gripper.

Moves are sent asynchronously and polled, so `stop()` from another thread ends them (stopL /
stopJ). A move is over when `getAsyncOperationProgress()` turns negative and differs from what
it read before the move was sent: the control script starts the move in a separate thread, so
the first reads may still show the previous operation's end, and consecutive operations end on
different values (-1, -2) so that even a move too short to be seen running is seen ending
(ur_rtde's docstring of the call; its example waits for >= 0, then for < 0). Returning earlier
would let the next move cancel this one (the script stops the running move at the start of each
new one) and the gripper, on its own socket, act while the arm still moves.

After every refused or interrupted move the safety state is read: a protective stop or an
emergency stop is an ArmFault; `clear_fault()` unlocks a protective stop through the dashboard
server, which refuses for 5 s after the stop: it tries again for up to `unlock_wait` seconds,
then raises ArmFault (call it again later). Poses cross as [x, y, z, rx, ry, rz] (rotation
vector). The gripper is a Robotiq 2F on the controller's URCap socket (port 63352). Tested only
against the fakes in `drivers.fakes` (ur_rtde objects and a Robotiq socket server).
"""

from __future__ import annotations

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
from drivers.robotiq import CLOSED, CONTACT_CLOSING, OPEN, RobotiqGripper
from drivers.rotations import rotvec_to_rpy, rpy_to_rotvec
from drivers.tool import Tool, tool_from_config

TWO_PI = 6.283185307179586


class _RtdeBackend:
    """The real ur_rtde interfaces for one robot, imported only when used."""

    def __init__(self, ip: str) -> None:
        try:
            import dashboard_client  # type: ignore[import-not-found]
            import rtde_control  # type: ignore[import-not-found]
            import rtde_receive  # type: ignore[import-not-found]
        except ImportError as error:
            raise ArmConnectionError("ur_rtde is not installed: pip install 'stackbot[ur]' "
                                     "(ur-rtde)") from error
        self.control = rtde_control.RTDEControlInterface(ip)
        self.receive = rtde_receive.RTDEReceiveInterface(ip)
        self.dashboard = dashboard_client.DashboardClient(ip)
        self.dashboard.connect()


class URDriver(ArmDriver):
    """`URDriver(ip, ...)`; `backend_factory(ip)` gives the ur_rtde objects (tests: the fake)."""

    def __init__(
        self,
        ip: str,
        tcp_offset: tuple[float, ...] | None = None,
        payload_kg: float | None = None,
        payload_cog: tuple[float, float, float] | None = None,
        gripper_port: int | None = 63352,
        joint_speed: float = 0.5,
        joint_accel: float = 1.0,
        linear_speed: float = 0.1,
        linear_accel: float = 0.5,
        max_joint_speed: float = 3.14,
        home_joints: tuple[float, ...] = (0.0, -1.57, 1.57, -1.57, -1.57, 0.0),
        poll_seconds: float = 0.005,
        motion_timeout: float = 60.0,
        unlock_wait: float = 6.0,
        readback_timeout: float = 1.0,
        backend_factory: Callable[[str], Any] | None = None,
        gripper_host: str | None = None,
        gripper_speed: int = 255,
        gripper_force: int = 100,
    ) -> None:
        self.ip = ip
        self.tool: Tool = tool_from_config("ur", tcp_offset, payload_kg, payload_cog)
        self.readback_timeout = readback_timeout
        self.joint_speed, self.joint_accel = joint_speed, joint_accel
        self.linear_speed, self.linear_accel = linear_speed, linear_accel
        self._vmax, self._home = max_joint_speed, tuple(home_joints)
        self.poll_seconds, self.motion_timeout = poll_seconds, motion_timeout
        self.unlock_wait = unlock_wait
        self._factory = backend_factory or _RtdeBackend
        for name, value in (("gripper_speed", gripper_speed), ("gripper_force", gripper_force)):
            if not 0 <= value <= 255:
                raise ValueError(f"robot.{name} must be 0..255 (the Robotiq register), "
                                 f"got {value}")
        self.gripper = RobotiqGripper(gripper_host or ip, gripper_port, speed=gripper_speed,
                                      force=gripper_force) if gripper_port else None
        self.rtde: Any = None
        self._scale, self._holding = 1.0, False
        self._interrupt = threading.Event()

    @property
    def info(self) -> ArmInfo:
        return ArmInfo(name="ur", dof=6, joint_lower=(-TWO_PI,) * 6, joint_upper=(TWO_PI,) * 6,
                       max_joint_speed=(self._vmax,) * 6, home_joints=self._home,
                       has_gripper=self.gripper is not None, has_async_moves=True,
                       max_linear_speed=1.0)

    def connect(self) -> None:
        if self.rtde is None:
            try:
                self.rtde = self._factory(self.ip)
            except RuntimeError as error:  # ur_rtde raises RuntimeError when it cannot connect
                raise ArmConnectionError(f"cannot connect to the UR at {self.ip}: {error}") \
                    from error
        self._set_tool()
        if self.gripper is not None:
            self.gripper.connect()

    def close(self) -> None:
        if self.gripper is not None:
            self.gripper.close_connection()
        if self.rtde is not None:
            for part in (self.rtde.control, self.rtde.receive):
                try:
                    part.disconnect()
                except RuntimeError:
                    pass
            self.rtde = None

    def get_state(self) -> ArmState:
        receive = self._rtde().receive
        q, tcp, qd = self._sdk(receive.getActualQ), self._sdk(receive.getActualTCPPose), \
            self._sdk(receive.getActualQd)
        width = self.gripper.width() if self.gripper is not None else 0.0
        return ArmState(joints=tuple(q), tool_pose=(*tcp[:3], *rotvec_to_rpy(*tcp[3:])),
                        gripper_width=width, holding=self._holding,
                        moving=max(abs(v) for v in qd) > 1e-3, fault=self._fault(),
                        timestamp=time.time())

    # motion ------------------------------------------------------------------------------------
    def move_joints(self, joints: tuple[float, ...], speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        if len(joints) != 6:
            raise LimitError(f"expected 6 joints, got {len(joints)}")
        control = self._rtde().control
        before = self._send(control.moveJ, list(joints),
                            (speed or self.joint_speed) * self._scale, accel or self.joint_accel)
        self._await_motion(control.stopJ, before, timeout)

    def move_linear(self, pose: Pose, speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        target = [*pose[:3], *rpy_to_rotvec(*pose[3:])]
        control = self._rtde().control
        if not self._sdk(control.getInverseKinematicsHasSolution, target):
            raise UnreachableError(f"the UR has no IK solution for {pose}")
        before = self._send(control.moveL, target, (speed or self.linear_speed) * self._scale,
                            accel or self.linear_accel)
        self._await_motion(control.stopL, before, timeout)

    def is_reachable(self, pose: Pose) -> bool:
        target = [*pose[:3], *rpy_to_rotvec(*pose[3:])]
        return bool(self._sdk(self._rtde().control.getInverseKinematicsHasSolution, target))

    def gripper_open(self) -> None:
        self._require_gripper().move(OPEN)
        self._holding = False

    def gripper_close(self) -> bool:
        self._holding = self._require_gripper().move(CLOSED) == CONTACT_CLOSING
        return self._holding

    def stop(self) -> None:
        self._interrupt.set()
        if self.rtde is not None:
            try:
                self.rtde.control.stopL(2.0)
            except RuntimeError:
                pass  # stop must always be safe to call

    def emergency_stop(self) -> None:
        """A software protective stop (ur_rtde has no software e-stop): latched until cleared."""
        self._interrupt.set()
        if self.rtde is not None:
            self._sdk(self.rtde.control.triggerProtectiveStop)

    def clear_fault(self) -> None:
        rtde = self._rtde()
        if self._sdk(rtde.receive.isEmergencyStopped):
            raise ArmFault("the UR's emergency stop is engaged: release it on the robot first")
        self._sdk(rtde.dashboard.closeSafetyPopup)
        self._unlock_protective_stop(rtde.dashboard)
        if not self._sdk(rtde.control.isProgramRunning):
            self._sdk(rtde.control.reuploadScript)
            self._set_tool()  # a new control script starts from the installation's TCP
        if self._fault():
            raise ArmFault(f"the UR is still in {self._fault()}")

    def set_speed_scale(self, scale: float) -> None:
        if not 0.0 < scale <= 1.0:
            raise LimitError(f"speed scale must be in (0, 1], got {scale}")
        self._scale = scale

    # internals -------------------------------------------------------------------------------
    def _set_tool(self) -> None:
        """Set the TCP (a rotation vector) and the payload, read them back until they hold or
        `readback_timeout` passes: ArmFault."""
        rtde, tool = self._rtde(), self.tool
        offset = [*tool.tcp_offset[:3], *rpy_to_rotvec(*tool.tcp_offset[3:])]
        if not self._sdk(rtde.control.setTcp, offset):
            self._raise_refusal("setTcp")
        if not self._sdk(rtde.control.setPayload, tool.payload_kg, list(tool.payload_cog)):
            self._raise_refusal("setPayload")
        deadline = time.monotonic() + self.readback_timeout
        while differences := self._tool_differences():
            if time.monotonic() > deadline:
                raise ArmFault(f"the UR at {self.ip} did not take the configured tool: it reads "
                               f"{differences}")
            time.sleep(0.01)

    def _tool_differences(self) -> str:
        rtde = self._rtde()
        offset = self._sdk(rtde.control.getTCPOffset)
        return self.tool.differences([*offset[:3], *rotvec_to_rpy(*offset[3:])],
                                     float(self._sdk(rtde.receive.getPayload)),
                                     self._sdk(rtde.receive.getPayloadCog))

    def _rtde(self) -> Any:
        if self.rtde is None:
            raise ArmConnectionError("UR not connected; use `with driver:` or connect()")
        return self.rtde

    def _require_gripper(self) -> RobotiqGripper:
        if self.gripper is None:
            raise ArmError("this UR has no gripper configured")
        return self.gripper

    def _sdk(self, call: Callable[..., Any], *args: Any) -> Any:
        """Call ur_rtde; its exceptions become the ArmError family."""
        try:
            return call(*args)
        except ValueError as error:  # std::range_error / invalid_argument from the library
            raise LimitError(f"ur_rtde refused the command: {error}") from error
        except RuntimeError as error:
            raise ArmConnectionError(f"ur_rtde: {error}") from error

    def _fault(self) -> str | None:
        receive = self._rtde().receive
        if self._sdk(receive.isEmergencyStopped):
            return "emergency stop"
        if self._sdk(receive.isProtectiveStopped):
            return "protective stop"
        return None

    def _unlock_protective_stop(self, dashboard: Any) -> None:
        deadline = time.monotonic() + self.unlock_wait
        while True:
            try:
                dashboard.unlockProtectiveStop()
                return
            except RuntimeError as error:
                if "unlock protective stop failure" not in str(error).lower():
                    raise ArmConnectionError(f"ur_rtde: {error}") from error
                if time.monotonic() >= deadline:
                    raise ArmFault(f"the UR refused to unlock its protective stop ({error}); "
                                   "call clear_fault() again") from error
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))

    def _send(self, move: Callable[..., bool], target: list[float], speed: float,
              accel: float) -> int:
        """Send an asynchronous move; the async progress read before it was sent."""
        self._interrupt.clear()
        before = int(self._sdk(self._rtde().control.getAsyncOperationProgress))
        if not self._sdk(move, target, speed, accel, True):
            self._raise_refusal(move.__name__)
        return before

    def _raise_refusal(self, what: str) -> None:
        fault = self._fault()
        if fault:
            raise ArmFault(f"the UR is in {fault}; call clear_fault()")
        if not self._sdk(self._rtde().control.isConnected):
            raise ArmConnectionError("lost the UR's RTDE control interface")
        raise ArmError(f"the UR refused {what} (is the control script running?)")

    def _await_motion(self, stop_move: Callable[..., None], before: int,
                      timeout: float | None) -> None:
        control = self._rtde().control
        limit = timeout if timeout is not None else self.motion_timeout
        deadline = time.monotonic() + limit
        while (progress := self._sdk(control.getAsyncOperationProgress)) >= 0 \
                or progress == before:
            if self._interrupt.is_set():
                self._sdk(stop_move, 2.0)
                raise MotionInterrupted("UR motion stopped by stop()")
            if time.monotonic() > deadline:
                self._sdk(stop_move, 2.0)
                raise ArmTimeout(f"UR motion did not finish within {limit:.2f} s")
            time.sleep(self.poll_seconds)
        if self._interrupt.is_set():
            raise MotionInterrupted("UR motion stopped by stop()")
        fault = self._fault()  # a protective stop ends the async operation early
        if fault:
            raise ArmFault(f"the UR stopped in {fault}; call clear_fault()")
