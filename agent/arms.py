"""Building arms from `cfg.robot`: every driver comes wrapped in the safety guard.

A robot config is a driver node (`_target_`, `_partial_: true` for drivers that need the world)
plus keys that are not the driver's arguments: `simulated` (true for an arm in the simulator,
whose driver is completed with the world it moves in), `safety` (the robot's limits, see
`drivers.guard.SafetyLimits`) and, optionally, `world` (a robot that brings its own world: for
`robot=remote` the simulated world that lives in the arm server's process).

What perception looks at: the robot's `world` if its config has one; for a simulated arm the
local simulator; a real arm has
neither: with a real camera (`camera=opencv|realsense|files`) it looks at the real table
(`agent.cell.RealTable`), with the simulated camera a session stops with NoCameraError instead
of perceiving a simulated table (`+robot.world='${sim}'` perceives the simulator on purpose, for
tests against the SDK fakes). A simulated arm with a real camera is refused (SimulatedArmError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from agent.config import build, is_simulated
from drivers import ArmDriver
from drivers.guard import SafetyGuard, SafetyLimits

NOT_DRIVER_ARGUMENTS = ("safety", "world", "simulated")
RUN_MODES = ("dry_run", "confirm", "clamp_speed")


class NoCameraError(ValueError):
    """A real arm with nothing to perceive its table with."""


class SimulatedArmError(ValueError):
    """A simulated arm configured with a real camera: it would act on a table it is not at."""


REAL_TABLE = "agent.cell.RealTable"


def driver_node(robot: DictConfig) -> DictConfig:
    """The robot config without the keys that are not the driver's arguments."""
    keys = [str(k) for k in robot if k not in NOT_DRIVER_ARGUMENTS]
    return OmegaConf.masked_copy(robot, keys)


def safety_limits(robot: DictConfig, modes: DictConfig | None = None) -> SafetyLimits:
    """The robot's `safety` block, with the run's modes (`safety.dry_run=true` ...) on top."""
    values: dict[str, Any] = dict(OmegaConf.to_container(robot.get("safety") or {}, resolve=True))
    for key, value in (OmegaConf.to_container(modes, resolve=True) if modes else {}).items():
        if key in RUN_MODES and value is not None:
            values[key] = value
    return SafetyLimits(**values)


def world_config(cfg: DictConfig) -> DictConfig:
    """The config of the world perception looks at (see the module docstring), or
    NoCameraError; builds nothing. A real camera (a `camera` that needs no world) looks at a
    real table (`agent.cell.RealTable`), so only a real arm may act on it."""
    robot = cfg.robot
    has_key = "world" in robot
    if has_key:
        node = robot.world
    else:
        node = cfg.sim if is_simulated(robot) else None
    camera = cfg.get("camera")
    if camera is not None and not camera.get("_partial_"):
        if node is not None:
            raise SimulatedArmError(
                f"the camera {camera.get('_target_', '?')} sees a real table but the arm "
                f"{robot.get('_target_', '?')} moves in a simulated world: use a real arm "
                "(robot=xarm, ur, or remote with robot.world=null) or camera=sim")
        return OmegaConf.create({"_target_": REAL_TABLE})
    if node is None:
        raise NoCameraError(
            f"no camera for the real arm {robot.get('_target_', '?')}: perception would see a "
            "simulated table, not the arm's; configure its camera (camera=opencv|realsense|files "
            "camera.calibration=FILE), give the robot a world that sees its table "
            f"(robot.world), or {'' if has_key else '+'}robot.world='${{sim}}' to perceive the "
            "simulator on purpose")
    return node


def build_world(cfg: DictConfig) -> Any:
    """The world perception looks at (`world_config`)."""
    return build(world_config(cfg))


def build_arm(cfg: DictConfig, world: Any = None,
              wrap: Callable[[ArmDriver], ArmDriver] | None = None) -> SafetyGuard:
    """The driver `cfg.robot` names, completed with `world=`, behind the safety guard; `wrap`
    puts a driver between the two (fault injection), so the guard checks what reaches it."""
    bindings = {"world": world} if world is not None else {}
    driver = build(driver_node(cfg.robot), **bindings)
    if wrap is not None:
        driver = wrap(driver)
    return SafetyGuard(driver, safety_limits(cfg.robot, cfg.get("safety")))
