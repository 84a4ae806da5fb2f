"""The config, composed once from the Hydra tree in `conf/` (for scripts and tools that are not
Hydra apps themselves; the console scripts compose it through `@hydra.main`)."""

from __future__ import annotations

from collections.abc import Sequence

from hydra import compose, initialize_config_module
from omegaconf import DictConfig


def compose_config(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """`conf/<config_name>.yaml` with the overrides applied (Hydra's override grammar)."""
    with initialize_config_module("conf", version_base="1.3"):
        return compose(config_name, overrides=list(overrides))
