"""`stackbot instruction="..."`: one natural-language command, one episode, in the simulator;
`stackbot` alone: a prompt for commands one after another on the same table."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from records.run_dir import remove_if_unused
from sim.display import gui_unavailable
from stackbot.launch import fail, launch
from stackbot.overrides import UsageError
from tools.command import run_instruction
from tools.interactive import run_interactive
from tools.user_errors import user_error

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


@hydra.main(config_path="pkg://conf", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        instruction = given_instruction(cfg)
        if cfg.sim.get("gui") and (problem := gui_unavailable()):
            raise UsageError(problem)
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
        remove_if_unused(run_dir)  # refused before anything ran: no run directory either
        fail(message)


def main() -> None:
    launch(_app)


if __name__ == "__main__":
    main()
