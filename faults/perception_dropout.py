"""`perception_dropout`: detected objects go missing from frames, positions get noisy."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from faults.base import Fault
from perception.types import Scene


@dataclass(frozen=True)
class PerceptionDropout(Fault):
    """Each detected object is missing from a frame's scene with probability `p`; every
    position reported gets Gaussian noise of standard deviation `sigma` metres on x and y (on
    the table plane: noise in z would put bowls, seen at z = 0, under the table, out of reach)."""

    name: ClassVar[str] = "perception_dropout"
    sigma: float = 0.003

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise ValueError(f"faults.perception_dropout.sigma must be >= 0, got {self.sigma}")

    def draw(self, rng: np.random.Generator) -> None:
        return None  # decided per detection, in every frame

    def on_scene(self, scene: Scene, rng: np.random.Generator) -> tuple[Scene, str | None]:
        kept, missed = [], []
        for obj in scene.objects:
            dropped = rng.random() < self.p
            noise = rng.normal(0.0, self.sigma, 2) if self.sigma > 0 else np.zeros(2)
            if dropped:
                missed.append(obj.name)
                continue
            x, y, z = obj.position
            kept.append(replace(obj, position=(float(x + noise[0]), float(y + noise[1]), z)))
        detail = f"the {', '.join(missed)} missing from the frame" if missed else None
        return scene.with_objects(kept), detail
