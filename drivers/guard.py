"""The safety guard: an `ArmDriver` that wraps any other and checks every command before sending it.

Checked before anything reaches the arm: the tool target lies in the workspace box, joint targets
keep a margin from the joint limits, requested speeds and accelerations are within the caps (over
the cap is refused with LimitError; `clamp_speed` lowers it to the cap instead). After an e-stop or
any fault, every motion is refused until `clear_fault()`. Two operator modes: `dry_run` checks and
reports every motion command and moves nothing; `confirm` asks a person before each command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skills.driver import ArmDriver, ArmFault, ArmInfo, ArmState, LimitError
from skills.types import Pose

log = logging.getLogger(__name__)

Vec3 = tuple[float, float, float]


class RefusedByOperator(LimitError):
    """The person asked to confirm a command said no."""


@dataclass(frozen=True)
class SafetyLimits:
    """Limits for one robot (from its config's `safety:` block) and the run's operator modes.

    box_min/box_max: the tool target box (base frame, metres). joint_margin: radians kept from
    every joint limit. Speeds: rad/s (joint moves) and m/s (linear moves); accelerations likewise
    per second squared (None: not capped). A command that names no speed is sent at the cap.
    """

    box_min: Vec3 = (0.1, -0.45, 0.0)
    box_max: Vec3 = (0.85, 0.45, 0.6)
    joint_margin: float = 0.02
    max_joint_speed: float = 1.5
    max_linear_speed: float = 0.35
    max_joint_accel: float | None = None
    max_linear_accel: float | None = None
    clamp_speed: bool = False
    dry_run: bool = False
    confirm: bool = False

    def __post_init__(self) -> None:
        for name in ("box_min", "box_max"):  # lists from a config
            value = tuple(float(v) for v in getattr(self, name))
            if len(value) != 3:
                raise ValueError(f"{name} needs 3 values (x, y, z), got {value}")
            object.__setattr__(self, name, value)
        if any(lo >= hi for lo, hi in zip(self.box_min, self.box_max, strict=True)):
            raise ValueError(f"empty workspace box {self.box_min} .. {self.box_max}")
        if self.joint_margin < 0:
            raise ValueError(f"joint_margin must be >= 0, got {self.joint_margin}")
        for name in ("max_joint_speed", "max_linear_speed", "max_joint_accel",
                     "max_linear_accel"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")

    def in_box(self, pose: Pose) -> bool:
        return all(lo <= v <= hi for v, lo, hi in zip(pose[:3], self.box_min, self.box_max,
                                                      strict=True))


class SafetyGuard(ArmDriver):
    """`SafetyGuard(driver, limits)`: itself an ArmDriver. `ask` (confirm mode) and `report`
    (dry-run output) are injectable; by default the terminal's `input` and `print`."""

    def __init__(
        self,
        driver: ArmDriver,
        limits: SafetyLimits | None = None,
        ask: Callable[[str], str] = input,
        report: Callable[[str], None] = print,
    ) -> None:
        self.driver = driver
        self.limits = limits or SafetyLimits()
        self._ask = ask
        self._report = report
        self._latched: str | None = None

    # pass-through ------------------------------------------------------------------------------
    @property
    def info(self) -> ArmInfo:
        return self.driver.info

    @property
    def world(self) -> object:
        """The simulated world behind the driver, if any (for scene resets and ground truth)."""
        return getattr(self.driver, "world", None)

    def connect(self) -> None:
        self.driver.connect()

    def close(self) -> None:
        self.driver.close()

    def get_state(self) -> ArmState:
        return self.driver.get_state()

    def wait(self, timeout: float | None = None) -> None:
        self.driver.wait(timeout)

    def stop(self) -> None:
        self.driver.stop()

    def emergency_stop(self) -> None:
        self._latched = "emergency stop"
        self.driver.emergency_stop()

    def clear_fault(self) -> None:
        self.driver.clear_fault()
        self._latched = None

    def is_reachable(self, pose: Pose) -> bool:
        return self.limits.in_box(pose) and self.driver.is_reachable(pose)

    def set_speed_scale(self, scale: float) -> None:
        if not 0.0 < scale <= 1.0:
            raise LimitError(f"speed scale must be in (0, 1], got {scale}")
        self.driver.set_speed_scale(scale)

    # checked commands --------------------------------------------------------------------------
    def move_joints(
        self, joints: tuple[float, ...], speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        self._check_not_faulted()
        self._check_joints(joints)
        speed = self._capped("joint speed", speed, self.limits.max_joint_speed, "rad/s")
        self._check_accel("joint", accel, self.limits.max_joint_accel)
        if self._proceed(f"move_joints {_fmt(joints)} at {speed:.3f} rad/s"):
            self._send(self.driver.move_joints, tuple(joints), speed, accel, timeout)

    def move_linear(
        self, pose: Pose, speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        self._check_not_faulted()
        if len(pose) != 6:
            raise LimitError(f"a pose has 6 values (x, y, z, roll, pitch, yaw), got {len(pose)}")
        if not self.limits.in_box(pose):
            raise LimitError(f"tool target {_fmt(pose[:3])} is outside the workspace box "
                             f"{self.limits.box_min} .. {self.limits.box_max}")
        speed = self._capped("linear speed", speed, self.limits.max_linear_speed, "m/s")
        self._check_accel("linear", accel, self.limits.max_linear_accel)
        if self._proceed(f"move_linear {_fmt(pose)} at {speed:.3f} m/s"):
            self._send(self.driver.move_linear, tuple(pose), speed, accel, timeout)

    def gripper_open(self) -> None:
        self._check_not_faulted()
        if self._proceed("gripper_open"):
            self._send(self.driver.gripper_open)

    def gripper_close(self) -> bool:
        self._check_not_faulted()
        if not self._proceed("gripper_close"):
            return True  # dry run: report what a successful grasp would
        return bool(self._send(self.driver.gripper_close))

    # internals -----------------------------------------------------------------------------
    def _check_not_faulted(self) -> None:
        if self._latched:
            raise ArmFault(f"motion refused after {self._latched}; call clear_fault() first")

    def _check_joints(self, joints: Sequence[float]) -> None:
        info, margin = self.driver.info, self.limits.joint_margin
        if len(joints) != info.dof:
            raise LimitError(f"expected {info.dof} joints, got {len(joints)}")
        for i, (q, lo, hi) in enumerate(zip(joints, info.joint_lower, info.joint_upper,
                                            strict=True)):
            if not lo + margin <= q <= hi - margin:
                raise LimitError(f"joint {i} target {q:.3f} rad is within {margin} rad of its "
                                 f"limits [{lo:.3f}, {hi:.3f}] (or beyond)")

    def _capped(self, what: str, speed: float | None, cap: float, unit: str) -> float:
        if speed is None:
            return cap
        if speed <= 0:
            raise LimitError(f"{what} must be positive, got {speed}")
        if speed > cap:
            if not self.limits.clamp_speed:
                raise LimitError(f"{what} {speed} {unit} exceeds the cap {cap} {unit}")
            log.warning("%s %s %s clamped to the cap %s", what, speed, unit, cap)
            return cap
        return speed

    def _check_accel(self, what: str, accel: float | None, cap: float | None) -> None:
        if accel is not None and (accel <= 0 or (cap is not None and accel > cap)):
            raise LimitError(f"{what} acceleration {accel} is not in (0, {cap}]")

    def _proceed(self, command: str) -> bool:
        """False in dry-run mode (the command is reported instead); in confirm mode, ask."""
        if self.limits.dry_run:
            self._report(f"dry run: {command}")
            return False
        if self.limits.confirm:
            answer = self._ask(f"send {command}? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                raise RefusedByOperator(f"the operator refused: {command}")
        return True

    def _send(self, command: Callable[..., object], *args: object) -> object:
        try:
            return command(*args)
        except ArmFault as fault:
            self._latched = f"a fault ({fault})"
            raise


def _fmt(values: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:.3f}" for v in values) + ")"
