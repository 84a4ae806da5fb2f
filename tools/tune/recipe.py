"""The shipped adapter's recipe, read from the manifest beside it: what `stackbot-tune` does
without arguments, and what the byte-for-byte test makes again. The manifest is the recipe's one
home; nothing here repeats its numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from planner.llama_backend import SHIPPED_ADAPTER

SHIPPED_MANIFEST = SHIPPED_ADAPTER.with_suffix(".manifest.json")


@dataclass(frozen=True)
class Recipe:
    """Demonstrations per family (exactly the families trained on), where they come from, the
    prompt form, whether refusals were offered, and the training's hyper-parameters."""

    counts: MappingProxyType[str, int]
    suites: tuple[str, ...]
    every_kind: bool
    prompt_form: str
    refusals: bool
    recovery_rate: float
    absent_twins: bool
    grounded_only: bool
    wordings: str
    hyperparameters: MappingProxyType[str, Any]

    @property
    def families(self) -> list[str]:
        return list(self.counts)

    @property
    def typical_count(self) -> int:
        """The count most families have: the demonstrations of a family the recipe lacks."""
        values = sorted(self.counts.values())
        return max(values, key=values.count)


def read_recipe(manifest_path: Path = SHIPPED_MANIFEST) -> Recipe:
    """The recipe a tuning run's manifest records (older manifests: the core suite, no
    refusals, no every-kind families, no feasible twins, ungrounded commands demonstrated, the
    training wordings only)."""
    manifest = json.loads(Path(manifest_path).read_text())
    data = manifest["data"]
    return Recipe(counts=MappingProxyType(dict(data["per_family"])),
                  suites=tuple(data.get("suites", ["core"])),
                  every_kind=bool(data.get("every_kind", False)),
                  prompt_form=manifest["prompt"],
                  refusals=bool(manifest.get("refusals", False)),
                  recovery_rate=float(data["recovery_rate"]),
                  absent_twins=bool(data.get("absent_twins", False)),
                  grounded_only=bool(data.get("grounded_only", False)),
                  wordings=str(data.get("wordings", "train")),
                  hyperparameters=MappingProxyType(dict(manifest["hyperparameters"])))
