"""The config, composed once from the Hydra tree in `conf/` (for scripts and tools that are not
Hydra apps themselves; the console scripts compose it through `@hydra.main`), and its nodes
built into the objects they name."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from omegaconf import DictConfig


def compose_config(overrides: Sequence[str] = (), config_name: str = "config",
                   with_hydra: bool = False) -> DictConfig:
    """`conf/<config_name>.yaml` with the overrides applied (Hydra's override grammar);
    `with_hydra`: with Hydra's own node (run directory, help), as a console script sees it."""
    with initialize_config_module("conf", version_base="1.3"):
        return compose(config_name, overrides=list(overrides), return_hydra_config=with_hydra)


def build(node: DictConfig, **bindings: Any) -> Any:
    """Instantiate a config node (`_target_`); a `_partial_` node is completed with the given
    bindings (the world, the model, the skill set: what only exists at run time)."""
    made = instantiate(node, _convert_="all")
    if isinstance(made, functools.partial):
        return made(**bindings)
    return made


def is_simulated(robot: DictConfig) -> bool:
    """Whether the robot config is a simulated arm (`simulated: true`: its driver is completed
    with the world it moves in)."""
    return bool(robot.get("simulated", False))
