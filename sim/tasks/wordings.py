"""Wordings of a family's instructions, split into the ones demonstrations may be made from
(`train`) and the ones kept for measuring generalisation (`held_out`), never trained on.

A family whose training wording is a benchmark's own template (Code as Policies' kinds) may also
have further wordings to teach from (`taught`): the `taught` split draws from the training
wordings and those, while the `train` split, the one the benchmark reports on, draws only the
template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

WordingSplit = Literal["train", "taught", "held_out"]
SPLITS: tuple[str, ...] = ("train", "taught", "held_out")
TRAINING_SPLITS: tuple[str, ...] = ("train", "taught")  # the ones demonstrations may use


@dataclass(frozen=True)
class Wordings:
    train: tuple[str, ...]
    held_out: tuple[str, ...]
    taught: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.train or not self.held_out:
            raise ValueError("a wording set needs training and held-out wordings")
        if both := sorted((set(self.train) | set(self.taught)) & set(self.held_out)):
            raise ValueError(f"wordings both trained on and held out: {both}")
        if both := sorted(set(self.train) & set(self.taught)):
            raise ValueError(f"wordings both training and further taught wordings: {both}")

    def __len__(self) -> int:
        return len(self.train) + len(self.taught) + len(self.held_out)

    def choose(self, rng: np.random.Generator, split: WordingSplit) -> str:
        """One wording of the split. Draws one number whatever the split, so a seed gives the
        same scene with either split."""
        if split not in SPLITS:
            raise ValueError(f"unknown wording split {split!r} (expected one of "
                             f"{', '.join(SPLITS)})")
        draw = float(rng.random())
        pool = {"train": self.train, "taught": self.train + self.taught,
                "held_out": self.held_out}[split]
        return pool[min(int(draw * len(pool)), len(pool) - 1)]
