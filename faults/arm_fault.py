"""`arm_fault`: the arm faults part way through one of a step's motion commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from faults.base import Fault, InjectedArmFault, Motion, Simulation


@dataclass(frozen=True)
class Cut:
    """Which of the step's motion commands faults (0: the first), and how far through it."""

    command: int
    fraction: float


@dataclass(frozen=True)
class ArmFaultInjection(Fault):
    """With probability `p` per step, motion command `k` of the step (k drawn among the first
    `commands`; a step that sends fewer escapes) runs part of the way, then the arm latches a
    fault as its e-stop does and the command raises InjectedArmFault (an ArmFault)."""

    name: ClassVar[str] = "arm_fault"
    commands: int = 7  # a pick_and_place step sends 7 (6 linear moves and the move home)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.commands < 1:
            raise ValueError(f"faults.arm_fault.commands must be at least 1, got {self.commands}")

    def draw(self, rng: np.random.Generator) -> Cut | None:
        if rng.random() >= self.p:
            return None
        return Cut(int(rng.integers(self.commands)), float(rng.uniform(0.2, 0.8)))

    def on_motion(self, drawn: object, motion: Motion, sim: Simulation) -> str | None:
        assert isinstance(drawn, Cut)
        if motion.index != drawn.command:
            return None
        sim.send(motion, drawn.fraction)
        sim.arm.emergency_stop()
        raise InjectedArmFault(
            f"injected fault {100 * drawn.fraction:.0f}% of the way through motion command "
            f"{motion.index + 1} of the step ({motion.kind})")
