"""The environment's config: `conf/config.yaml` with the planner and the caller's overrides,
checked as the console scripts check a command line (one ValueError line for a bad override)."""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig

from agent.config import compose_config
from stackbot.overrides import (
    check_choices,
    check_group_choices,
    check_value_types,
    compose,
    parse,
)

CONFIG = "config"


def env_config(planner: str, overrides: Sequence[str]) -> DictConfig:
    """The composed config; `stackbot.overrides.UsageError` (a ValueError) naming the first
    override that does not parse, names no option or key, or has a value of the wrong type."""
    if not all(isinstance(o, str) for o in overrides):
        raise ValueError(f"overrides must be strings like 'perception=oracle', got "
                         f"{list(overrides)!r}")
    texts = [f"planner={planner}", *overrides]
    parsed = parse(texts, multirun=False)
    check_group_choices(parsed)
    check_choices(compose(CONFIG, texts))
    check_value_types(CONFIG, parsed)
    return compose_config(texts, CONFIG)  # without Hydra's own node (no run directory)
