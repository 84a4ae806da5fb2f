"""`stackbot instruction="..."`: one natural-language command, one episode, in the simulator."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from omegaconf import DictConfig, OmegaConf

from sim.display import gui_unavailable
from skills.driver import ArmError

log = logging.getLogger("stackbot")


class UsageError(ValueError):
    """Bad input from the person at the command line; printed as one line, exit status 2."""


def config_groups() -> dict[str, list[str]]:
    """The config groups under conf/ and the options each offers."""
    root = files("conf")
    groups: dict[str, list[str]] = {}
    for entry in root.iterdir():
        if entry.is_dir() and not entry.name.startswith("_"):
            groups[entry.name] = sorted(
                Path(child.name).stem for child in entry.iterdir() if child.name.endswith(".yaml")
            )
    return groups


def check_group_overrides(argv: list[str]) -> None:
    """Reject `group=value` where the group has no such option, before Hydra starts."""
    groups = config_groups()
    for arg in argv:
        if arg.startswith("-") or "=" not in arg:
            continue
        key, value = arg.lstrip("+~").split("=", 1)
        if key not in groups:
            continue
        for choice in value.split(","):
            if choice.strip() and choice.strip() not in groups[key]:
                raise UsageError(
                    f"unknown {key} '{choice}' (choose from: {', '.join(groups[key])})"
                )


def require_instruction(cfg: DictConfig) -> str:
    instruction = cfg.get("instruction") if "instruction" in cfg else None
    if OmegaConf.is_missing(cfg, "instruction") or instruction is None:
        raise UsageError('missing instruction: run stackbot instruction="put the red block in '
                         'the blue bowl"')
    if not str(instruction).strip():
        raise UsageError("the instruction is empty")
    return str(instruction).strip()


def fail(message: str, program: str = "stackbot") -> NoReturn:
    print(f"{program}: error: {message}", file=sys.stderr)
    sys.exit(2)


def user_error(error: BaseException) -> str | None:
    """The one-line message for an error caused by the person's input or setup (bad values, a
    missing file, an endpoint or arm that cannot be reached), also when Hydra wrapped it while
    instantiating; None for anything else (a bug: it keeps its traceback)."""
    if isinstance(error, InstantiationException) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, ArmError):
        return f"arm: {error}"
    if isinstance(error, (FileNotFoundError, ValueError, ConnectionError)):
        return str(error)  # UsageError is a ValueError; ConnectionError: an LLM endpoint
    return None


def import_pybullet_quietly() -> None:
    """Import pybullet with its build-time banner (written to stderr) silenced."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import pybullet  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def launch(app: Callable[[], None], program: str = "stackbot") -> None:
    """Run a Hydra app after checking its config-group overrides (a one-line error if wrong)."""
    try:
        check_group_overrides(sys.argv[1:])
    except UsageError as error:
        fail(str(error), program)
    import_pybullet_quietly()
    app()


@hydra.main(config_path="pkg://conf", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    from stackbot.session import run_instruction

    try:
        instruction = require_instruction(cfg)
        if cfg.sim.get("gui") and (problem := gui_unavailable()):
            raise UsageError(problem)
        run_dir = Path(HydraConfig.get().runtime.output_dir)
        run_instruction(cfg, instruction, run_dir)
    except Exception as error:  # noqa: BLE001 - bad input becomes one line, the rest re-raises
        message = user_error(error)
        if message is None:
            raise
        fail(message)


def main() -> None:
    launch(_app)


if __name__ == "__main__":
    main()
