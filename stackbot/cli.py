"""`stackbot instruction="..."`: one natural-language command, one episode, in the simulator;
`stackbot` alone: a prompt for commands one after another on the same table."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from sim.display import gui_unavailable
from skills.driver import ArmError
from stackbot.overrides import UsageError, prepare
from stackbot.run_dir import RunDirectoryError

log = logging.getLogger("stackbot")


def given_instruction(cfg: DictConfig) -> str | None:
    """The one-shot instruction; None when none is given (interactive mode)."""
    if "instruction" not in cfg or OmegaConf.is_missing(cfg, "instruction"):
        return None
    instruction = cfg.get("instruction")
    if instruction is None:
        return None
    text = " ".join(str(instruction).split())  # newlines and runs of spaces: one space
    if not text:
        raise UsageError("the instruction is empty")
    return text


def fail(message: str, program: str = "stackbot") -> NoReturn:
    print(f"{program}: error: {message}", file=sys.stderr)
    sys.exit(2)


def user_error(error: BaseException) -> str | None:
    """The one-line message for an error caused by the person's input or setup (bad values, a
    missing file, an endpoint or arm that cannot be reached, a run directory that cannot be
    written), also when Hydra wrapped it while instantiating; None for anything else (a bug: it
    keeps its traceback)."""
    if isinstance(error, InstantiationException) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, ArmError):
        return f"arm: {error}"
    if isinstance(error, RunDirectoryError):
        return str(error)
    if isinstance(error, MissingMandatoryValue):  # a `???` in the config, e.g. a camera's file
        return f"{error.full_key} must be given ({error.full_key}=...)"
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


def launch(app: Callable[[], None], program: str = "stackbot",
           config_name: str = "config") -> None:
    """Run a Hydra app after checking its command line (stackbot.overrides: any problem is one
    line and exit status 2); free-text values reach Hydra quoted for its grammar."""
    try:
        sys.argv[1:] = prepare(sys.argv[1:], config_name)
    except UsageError as error:
        fail(str(error), program)
    import_pybullet_quietly()
    app()


@hydra.main(config_path="pkg://conf", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    from stackbot.interactive import run_interactive
    from stackbot.session import run_instruction

    try:
        instruction = given_instruction(cfg)
        if cfg.sim.get("gui") and (problem := gui_unavailable()):
            raise UsageError(problem)
        run_dir = Path(HydraConfig.get().runtime.output_dir)
        if instruction is None:
            run_interactive(cfg, run_dir)
        else:
            run_instruction(cfg, instruction, run_dir)
    except KeyboardInterrupt:
        sys.exit(130)  # the arm was stopped (and an episode under way recorded); it said so
    except Exception as error:  # noqa: BLE001 - bad input becomes one line, the rest re-raises
        message = user_error(error)
        if message is None:
            raise
        fail(message)


def main() -> None:
    launch(_app)


if __name__ == "__main__":
    main()
