"""The executor: run a step's primitives on any `ArmDriver`.

As in ravens' primitives, the executor only takes the motion functions it needs from the driver
(`move_linear`, `move_joints`, the gripper) and reports honestly what happened: a grasp that
holds nothing stops the step (the gripper opens and the arm backs off upward), so does a release
that finds nothing left to let go of (the block was lost on the way), and any
`ArmError` becomes a failed `StepResult` instead of an exception. With a driver in dry-run mode
(`ArmDriver.dry_run`) the result says so: the primitives were checked, not executed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TypeVar

from drivers import ArmDriver, ArmError
from skills.types import Primitive, Step, StepResult

log = logging.getLogger(__name__)

T = TypeVar("T")

RETREAT_HEIGHT = 0.15  # metres: how high the tool backs off after a failed grasp


def execute(step: Step, primitives: Sequence[Primitive], driver: ArmDriver) -> StepResult:
    """Run `primitives` in order; return what happened (never raises ArmError)."""
    started = time.perf_counter()
    done: list[Primitive] = []
    timings: list[tuple[float, float]] = []
    dry_run = driver.dry_run
    released_at: tuple[float, float, float] | None = None

    def result(success: bool, message: str, error: str = "") -> StepResult:
        return StepResult(step, success, message, tuple(done), time.perf_counter() - started,
                          dry_run=dry_run, timings=tuple(timings), error=error,
                          released_at=released_at)

    for prim in primitives:
        began = time.time()
        try:
            if _checks_release(prim, dry_run):
                state = driver.get_state()
                if not state.holding:
                    return result(False, f"{prim.phase} failed: nothing was held when the "
                                         f"gripper was to open (lost on the way)"
                                         f"{_recover(driver)}")
                released_at = state.tool_pose[:3]
            held = run_primitive(prim, driver)
        except ArmError as error:
            done.append(prim)
            timings.append((began, time.time()))
            log.warning("step %s failed in %s: %s", step.option.text, prim.phase, error)
            return result(False, f"{prim.phase} failed: {type(error).__name__}: {error}",
                          type(error).__name__)
        done.append(prim)
        timings.append((began, time.time()))
        if prim.kind == "gripper_close" and prim.expect_held is not None \
                and held != prim.expect_held:
            recovery = _recover(driver)
            what = "nothing was held" if prim.expect_held else "something was unexpectedly held"
            return result(False, f"{prim.phase} failed: {what} after closing the gripper"
                                 f"{recovery}")
    return result(True, f"{step.option.text} done" if primitives else "nothing to do")


def _checks_release(prim: Primitive, dry_run: bool) -> bool:
    return prim.kind == "gripper_open" and bool(prim.expect_held) and not dry_run


def run_primitive(prim: Primitive, driver: ArmDriver) -> bool | None:
    """Send one primitive; for gripper_close return whether something is held."""
    if prim.kind == "move_linear":
        driver.move_linear(_require(prim.pose, prim))
    elif prim.kind == "move_joints":
        driver.move_joints(_require(prim.joints, prim))
    elif prim.kind == "home":
        driver.move_joints(driver.info.home_joints)
    elif prim.kind == "gripper_open":
        driver.gripper_open()
    elif prim.kind == "gripper_close":
        return driver.gripper_close()
    else:
        raise ValueError(f"unknown primitive kind {prim.kind!r}")
    return None


def _recover(driver: ArmDriver) -> str:
    """Open the gripper and back off straight up; say how it went."""
    try:
        driver.gripper_open()
        x, y, z, roll, pitch, yaw = driver.get_state().tool_pose
        driver.move_linear((x, y, max(z, RETREAT_HEIGHT), roll, pitch, yaw))
    except ArmError as error:
        return f"; recovery failed: {type(error).__name__}: {error}"
    return "; opened the gripper and retreated"


def _require(value: T | None, prim: Primitive) -> T:
    if value is None:
        raise ValueError(f"primitive {prim.phase} ({prim.kind}) has no target")
    return value
