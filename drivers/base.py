"""The arm driver contract shared by the simulated arm and real arms: the `ArmDriver` base
class, what it reports (`ArmInfo`, `ArmState`), the tool pose type and the exception family.
`from drivers import ArmDriver, ...` is the one import front."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType

Pose = tuple[float, float, float, float, float, float]
"""x, y, z in metres (robot base frame) and roll, pitch, yaw in radians."""

EMERGENCY_STOP = "emergency stop"
"""The fault `emergency_stop()` latches: a person's decision, which no automatic recovery clears."""


class ArmError(Exception):
    """Base of every error an arm driver raises."""


class ArmConnectionError(ArmError):
    """The arm (or its server) cannot be reached, or the connection was lost."""


class ArmFault(ArmError):
    """The arm is in a fault or e-stop state; motion is refused until `clear_fault`."""


class UnreachableError(ArmError):
    """No joint configuration reaches the requested pose."""


class LimitError(ArmError):
    """A command violates a joint, workspace, speed or acceleration limit."""


class ArmTimeout(ArmError):
    """A motion did not finish in its allotted time."""


class MotionInterrupted(ArmError):
    """A motion was cut short by `stop()` (from another thread, a watchdog or the server)."""


@dataclass(frozen=True)
class ArmInfo:
    """What is known about an arm before it moves. Joint values in radians, speeds in rad/s.

    `has_cartesian`: `move_linear` is supported; `has_async_moves`: the arm executes motions in
    the background, so `stop()` from another thread interrupts them.
    """

    name: str
    dof: int
    joint_lower: tuple[float, ...]
    joint_upper: tuple[float, ...]
    max_joint_speed: tuple[float, ...]
    home_joints: tuple[float, ...]
    has_gripper: bool = True
    has_cartesian: bool = True
    has_async_moves: bool = False
    max_linear_speed: float | None = None  # m/s, when the vendor states one


@dataclass(frozen=True)
class ArmState:
    """A snapshot: joints (rad), tool pose (base frame, m and rad), gripper opening (m), whether
    an object is held, whether the arm is moving, the fault (None when healthy), when (s, the
    arm's clock: simulated seconds for a simulated arm); and, from drivers that report them,
    what the arm was last commanded: joint positions (rad) and the gripper (True: closed)."""

    joints: tuple[float, ...]
    tool_pose: Pose
    gripper_width: float
    holding: bool
    moving: bool
    fault: str | None
    timestamp: float
    target_joints: tuple[float, ...] | None = None
    gripper_closed: bool | None = None


class ArmDriver(ABC):
    """The contract every arm satisfies, simulated or real.

    Lifecycle: `with driver:` connects and always closes (stopping the arm first). Units are SI:
    metres, radians, seconds; poses are (x, y, z, roll, pitch, yaw) in the robot base frame.
    Moves block until the arm has arrived (or raise); `speed` is rad/s for joint moves and m/s
    for linear moves, `accel` rad/s^2 or m/s^2; `None` means the driver's configured default.
    Every failure is an `ArmError`: ArmConnectionError, ArmFault, UnreachableError, LimitError,
    ArmTimeout, MotionInterrupted.
    """

    @property
    @abstractmethod
    def info(self) -> ArmInfo: ...

    @abstractmethod
    def connect(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def get_state(self) -> ArmState: ...

    @abstractmethod
    def move_joints(
        self, joints: tuple[float, ...], speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        """Move in joint space to `joints` (radians); raise LimitError, ArmTimeout, ArmFault."""

    @abstractmethod
    def move_linear(
        self, pose: Pose, speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        """Move the tool in a straight line to `pose` (base frame); raise UnreachableError if no
        joint configuration reaches it."""

    @abstractmethod
    def gripper_open(self) -> None: ...

    @abstractmethod
    def gripper_close(self) -> bool:
        """Close the gripper; return whether an object is held."""

    @abstractmethod
    def stop(self) -> None:
        """Stop any motion. Always safe to call, idempotent."""

    @abstractmethod
    def emergency_stop(self) -> None:
        """Stop now and latch a fault: every motion raises ArmFault until `clear_fault`."""

    @abstractmethod
    def clear_fault(self) -> None:
        """Clear a latched fault or e-stop (raise ArmFault if the arm cannot be recovered)."""

    @abstractmethod
    def set_speed_scale(self, scale: float) -> None:
        """Scale every later motion's speed by `scale` in (0, 1]; LimitError above 1."""

    def wait(self, timeout: float | None = None) -> None:
        """Block until the arm stands still; ArmTimeout after `timeout` seconds. Moves already
        block, so this matters after `stop()` or for arms that move in the background."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.get_state().moving:
            if deadline is not None and time.monotonic() > deadline:
                raise ArmTimeout(f"the arm was still moving after {timeout:.2f} s")
            time.sleep(0.01)

    @property
    def dry_run(self) -> bool:
        """True when motion commands are checked and reported but not executed (the safety
        guard's dry-run mode); a driver that moves the arm leaves this False."""
        return False

    def is_reachable(self, pose: Pose) -> bool:
        """Whether the tool can reach `pose`; drivers with IK override this."""
        return True

    def tool_pose_for(self, joints: tuple[float, ...]) -> Pose | None:
        """Forward kinematics: the tool pose (base frame) the arm would have at `joints`,
        computed without moving it; None when the driver cannot tell. The safety guard checks
        every waypoint of a joint move with it; drivers with a kinematic model override this."""
        return None

    def __enter__(self) -> ArmDriver:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        finally:
            self.close()
