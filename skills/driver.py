"""The arm driver contract shared by the simulated arm and real arms, and its exceptions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType

from skills.types import Pose


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


@dataclass(frozen=True)
class ArmInfo:
    """What is known about an arm before it moves."""

    name: str
    dof: int
    joint_lower: tuple[float, ...]
    joint_upper: tuple[float, ...]
    max_joint_speed: tuple[float, ...]
    home_joints: tuple[float, ...]
    has_gripper: bool = True
    has_cartesian: bool = True
    has_async_moves: bool = False


@dataclass(frozen=True)
class ArmState:
    joints: tuple[float, ...]
    tool_pose: Pose
    gripper_width: float
    holding: bool
    moving: bool
    fault: str | None
    timestamp: float


class ArmDriver(ABC):
    """Lifecycle: `with driver:` connects and always closes (stopping the arm first)."""

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
        self, joints: tuple[float, ...], speed: float | None = None, timeout: float | None = None
    ) -> None:
        """Move in joint space to `joints` (radians); raise LimitError, ArmTimeout, ArmFault."""

    @abstractmethod
    def move_linear(
        self, pose: Pose, speed: float | None = None, timeout: float | None = None
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
    def emergency_stop(self) -> None: ...

    @abstractmethod
    def clear_fault(self) -> None: ...

    @abstractmethod
    def set_speed_scale(self, scale: float) -> None: ...

    def is_reachable(self, pose: Pose) -> bool:
        """Whether the tool can reach `pose`; drivers with IK override this."""
        return True

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
