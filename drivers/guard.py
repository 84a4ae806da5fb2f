"""The safety guard: an `ArmDriver` that wraps any other and checks every command before sending it.

Checked before anything reaches the arm: the tool target lies in the workspace box; joint targets
keep a margin from the joint limits and, when the driver offers forward kinematics
(`ArmDriver.tool_pose_for`), the tool stays in the box at every waypoint of the joint-space path
from where the arm is; requested speeds lie between the minimum and the cap and accelerations are
within the caps (outside is refused with LimitError; `clamp_speed` moves the speed to the bound
instead). After an e-stop or any fault, every motion is refused until `clear_fault()`. Two
operator modes: `dry_run` checks and reports every motion command and moves nothing; `confirm`
asks a person before each command.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from drivers.base import EMERGENCY_STOP, ArmDriver, ArmFault, ArmInfo, ArmState, LimitError, Pose

log = logging.getLogger(__name__)

Vec3 = tuple[float, float, float]


class RefusedByOperator(LimitError):
    """The person asked to confirm a command said no."""


@dataclass(frozen=True)
class SafetyLimits:
    """Limits for one robot (from its config's `safety:` block) and the run's operator modes.

    box_min/box_max: the tool target box (base frame, metres). path_box_min/path_box_max: the box
    the tool stays in at every waypoint of a joint move, `joint_path_step` radians apart at most
    (for drivers with forward kinematics); None: the target box (an arm whose home posture lies
    outside the target box, such as the simulated xArm folded over its base, needs a wider one).
    joint_margin: radians kept from every joint limit. Speeds: rad/s (joint moves) and m/s
    (linear moves), between the minimum (a slower motion takes unbounded time and memory) and
    the cap; accelerations likewise per second squared (None: not capped). A command that names
    no speed is sent at the cap.
    """

    box_min: Vec3 = (0.1, -0.45, 0.0)
    box_max: Vec3 = (0.85, 0.45, 0.6)
    path_box_min: Vec3 | None = None
    path_box_max: Vec3 | None = None
    joint_margin: float = 0.02
    max_joint_speed: float = 1.5
    max_linear_speed: float = 0.35
    min_joint_speed: float = 0.01
    min_linear_speed: float = 0.002
    joint_path_step: float = 0.02
    max_joint_accel: float | None = None
    max_linear_accel: float | None = None
    clamp_speed: bool = False
    dry_run: bool = False
    confirm: bool = False

    def __post_init__(self) -> None:
        for name in ("box_min", "box_max", "path_box_min", "path_box_max"):  # lists from a config
            given = getattr(self, name)
            if given is None:
                given = getattr(self, name.removeprefix("path_"))
            value = tuple(float(v) for v in given)
            if len(value) != 3 or not all(math.isfinite(v) for v in value):
                raise ValueError(f"{name} needs 3 numbers (x, y, z), got {value}")
            object.__setattr__(self, name, value)
        for low, high in ((self.box_min, self.box_max), (self.path_box_min, self.path_box_max)):
            if any(lo >= hi for lo, hi in zip(low, high, strict=True)):
                raise ValueError(f"empty workspace box {low} .. {high}")
        if self.joint_margin < 0:
            raise ValueError(f"joint_margin must be >= 0, got {self.joint_margin}")
        for name in ("max_joint_speed", "max_linear_speed", "min_joint_speed",
                     "min_linear_speed", "joint_path_step", "max_joint_accel",
                     "max_linear_accel"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value}")
        for kind in ("joint", "linear"):
            low, high = getattr(self, f"min_{kind}_speed"), getattr(self, f"max_{kind}_speed")
            if low > high:
                raise ValueError(f"min_{kind}_speed {low} exceeds max_{kind}_speed {high}")

    def in_box(self, pose: Pose) -> bool:
        return _inside(pose, self.box_min, self.box_max)

    def in_path_box(self, pose: Pose) -> bool:
        return _inside(pose, self.path_box_min, self.path_box_max)  # type: ignore[arg-type]


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
        self._speed_scale = 1.0

    # pass-through ------------------------------------------------------------------------------
    @property
    def info(self) -> ArmInfo:
        return self.driver.info

    @property
    def dry_run(self) -> bool:
        return self.limits.dry_run

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
        self._latched = EMERGENCY_STOP
        self.driver.emergency_stop()

    def clear_fault(self) -> None:
        self.driver.clear_fault()
        self._latched = None

    def is_reachable(self, pose: Pose) -> bool:
        return self.limits.in_box(pose) and self.driver.is_reachable(pose)

    def set_speed_scale(self, scale: float) -> None:
        if not 0.0 < scale <= 1.0:
            raise LimitError(f"speed scale must be in (0, 1], got {scale}")
        limits = self.limits
        if (scale * limits.max_joint_speed < limits.min_joint_speed
                or scale * limits.max_linear_speed < limits.min_linear_speed):
            raise LimitError(f"speed scale {scale} would put every motion under the minimum "
                             f"speed ({limits.min_joint_speed} rad/s, "
                             f"{limits.min_linear_speed} m/s)")
        self.driver.set_speed_scale(scale)
        self._speed_scale = scale

    # checked commands --------------------------------------------------------------------------
    def move_joints(
        self, joints: tuple[float, ...], speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        self._check_not_faulted()
        self._check_joints(joints)
        self._check_joint_path(tuple(joints))
        speed = self._bounded("joint speed", speed, self.limits.min_joint_speed,
                              self.limits.max_joint_speed, "rad/s")
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
        speed = self._bounded("linear speed", speed, self.limits.min_linear_speed,
                              self.limits.max_linear_speed, "m/s")
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

    def _check_joint_path(self, joints: tuple[float, ...]) -> None:
        """The tool in the box at every waypoint of the straight joint-space path from the
        current joints (the start excluded: an arm outside the box may move back into it);
        nothing to check for a driver without forward kinematics."""
        limits = self.limits
        start = self.driver.get_state().joints
        largest = max((abs(b - a) for a, b in zip(start, joints, strict=True)), default=0.0)
        n = max(1, math.ceil(largest / limits.joint_path_step))
        for i in range(1, n + 1):
            waypoint = joints if i == n else tuple(
                a + (b - a) * i / n for a, b in zip(start, joints, strict=True))
            pose = self.driver.tool_pose_for(waypoint)
            if pose is None:
                return
            if not limits.in_path_box(pose):
                where = "at the target" if i == n else f"{100 * i / n:.0f}% of the way there"
                raise LimitError(f"move_joints {_fmt(joints)} takes the tool outside the "
                                 f"workspace box {limits.path_box_min} .. {limits.path_box_max}:"
                                 f" {_fmt(pose[:3])} {where}")

    def _bounded(self, what: str, speed: float | None, floor: float, cap: float,
                 unit: str) -> float:
        """The speed to send: the cap when none is named; between `floor` and `cap` once
        multiplied by the speed scale (else LimitError, or moved to the bound with clamp)."""
        if speed is None:
            return cap
        if not (math.isfinite(speed) and speed > 0):
            raise LimitError(f"{what} must be a positive number, got {speed}")
        if speed > cap:
            if not self.limits.clamp_speed:
                raise LimitError(f"{what} {speed} {unit} exceeds the cap {cap} {unit}")
            log.warning("%s %s %s clamped to the cap %s", what, speed, unit, cap)
            return cap
        if speed * self._speed_scale < floor:
            lowest = min(cap, floor / self._speed_scale)
            if not self.limits.clamp_speed:
                raise LimitError(f"{what} {speed} {unit} is below the minimum {floor} {unit}"
                                 + (f" (at speed scale {self._speed_scale})"
                                    if self._speed_scale != 1.0 else ""))
            log.warning("%s %s %s raised to the minimum %s", what, speed, unit, lowest)
            return lowest
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


def _inside(pose: Sequence[float], low: Vec3, high: Vec3) -> bool:
    return all(lo <= v <= hi for v, lo, hi in zip(pose[:3], low, high, strict=True))


def _fmt(values: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:.3f}" for v in values) + ")"
