"""Wordings of a family's instructions, split into the ones demonstrations may be made from
(`train`) and the ones kept for measuring generalisation (`held_out`), never trained on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

WordingSplit = Literal["train", "held_out"]
SPLITS: tuple[str, ...] = ("train", "held_out")


@dataclass(frozen=True)
class Wordings:
    train: tuple[str, ...]
    held_out: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.train or not self.held_out:
            raise ValueError("a wording set needs training and held-out wordings")
        if set(self.train) & set(self.held_out):
            raise ValueError(f"wordings both trained on and held out: "
                             f"{sorted(set(self.train) & set(self.held_out))}")

    def __len__(self) -> int:
        return len(self.train) + len(self.held_out)

    def choose(self, rng: np.random.Generator, split: WordingSplit) -> str:
        """One wording of the split. Draws one number whatever the split, so a seed gives the
        same scene with either split."""
        if split not in SPLITS:
            raise ValueError(f"unknown wording split {split!r} (expected one of "
                             f"{', '.join(SPLITS)})")
        draw = float(rng.random())
        pool = self.train if split == "train" else self.held_out
        return pool[min(int(draw * len(pool)), len(pool) - 1)]
