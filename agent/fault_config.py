"""Faults from `cfg.faults` (the `faults` config group): built for simulated arms only, and named
in the benchmark's label.

`faults: {seed: 0, <name>: {_target_: ..., <parameters>}, ...}`: each entry but `seed` is one
fault (`conf/faults/<name>.yaml`); `seed` with each scene's seed fixes which faults fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from agent.config import is_simulated
from faults.injector import FaultInjector

SEED_KEY = "seed"
LABEL_RESOLVER = "fault_label"


def fault_nodes(cfg: DictConfig) -> dict[str, DictConfig]:
    """The configured faults by name (config order)."""
    node = cfg.get("faults") or {}
    return {str(name): value for name, value in node.items() if name != SEED_KEY}


def build_faults(cfg: DictConfig) -> FaultInjector | None:
    """The injector for the configured faults, None when there are none; ValueError when the
    robot is a real arm (not `simulated`), before anything is built."""
    nodes = fault_nodes(cfg)
    if not nodes:
        return None
    if not is_simulated(cfg.robot):
        raise ValueError(
            f"faults=[{','.join(nodes)}] apply to simulated arms only, and robot "
            f"{cfg.robot.get('_target_', '?')} is a real arm (run it with faults=[])")
    seed = int((cfg.get("faults") or {}).get(SEED_KEY, 0))
    return FaultInjector([instantiate(node, _convert_="all") for node in nodes.values()], seed)


def fault_results(injector: FaultInjector | None) -> dict[str, Any]:
    """A results line's `faults` (every event of the episode) and `faults_config` (each fault's
    parameters, and the seed)."""
    if injector is None:
        return {"faults": [], "faults_config": {}}
    return {"faults": [{"fault": e.fault, "step": e.step, "detail": e.detail}
                       for e in injector.fired],
            "faults_config": {**injector.parameters(), SEED_KEY: injector.seed}}


def fault_label(faults: Mapping[str, Any] | None) -> str:
    """The benchmark label's suffix: `-faults_slip_p0.3+nudge_p0.2` (names and parameters, and
    `_seed<n>` unless 0), empty without faults so earlier results files keep their names."""
    config = OmegaConf.to_container(faults, resolve=True) if isinstance(faults, DictConfig) \
        else dict(faults or {})
    seed = config.pop(SEED_KEY, 0)
    if not config:
        return ""
    parts = ["_".join([name, *(f"{key}{value}" for key, value in params.items()
                                if key != "_target_")])
             for name, params in config.items()]
    return "-faults_" + "+".join(parts) + (f"_seed{seed}" if seed else "")


def register_fault_label() -> None:
    """Make `${fault_label:${faults}}` (conf/bench.yaml's label) resolvable."""
    if not OmegaConf.has_resolver(LABEL_RESOLVER):
        OmegaConf.register_new_resolver(LABEL_RESOLVER, fault_label)
