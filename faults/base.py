"""The fault plugin base, what a fault acts on, and the record of a fault that fired.

A fault is a frozen dataclass of its parameters (`conf/faults/<name>.yaml`) with hooks that the
`FaultInjector` calls; each hook returns what it did (the detail of a `FaultEvent`) or None when
it left things alone. Faults act on the simulated world and on the simulated arm beneath the
safety guard, so the guard still checks every command the agent sends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

import numpy as np

from drivers import ArmDriver, ArmFault
from perception.types import Scene

if TYPE_CHECKING:
    from sim.world import World

HELD_DISTANCE = 0.05  # metres: a block this close to the tool point is the one in the gripper


@dataclass(frozen=True)
class FaultEvent:
    """An injected fault that fired: its name, the agent step it fired in, what it did."""

    fault: str
    step: int
    detail: str


class InjectedArmFault(ArmFault):
    """The arm fault an `arm_fault` injected (the arm is in fault until `clear_fault`)."""


@dataclass(frozen=True)
class Motion:
    """A motion command on its way to the simulated arm, the guard's checks passed.

    index: the step's motion commands sent before this one. moves_since_grasp: move_linear
    commands since a grasp that held, this one included (the lift is 1, the carry 2); None when
    nothing was grasped since the gripper last opened.
    """

    kind: Literal["move_linear", "move_joints"]
    target: tuple[float, ...]  # a pose for move_linear, joint values for move_joints
    speed: float | None
    accel: float | None
    timeout: float | None
    index: int
    moves_since_grasp: int | None


@dataclass(frozen=True)
class Simulation:
    """What a fault may act on: the simulated world and the arm beneath the safety guard."""

    world: World
    arm: ArmDriver

    def send(self, motion: Motion, fraction: float = 1.0) -> None:
        """Send `motion` to the arm, or only `fraction` of the way from where the arm is (the
        tool on its straight line for move_linear, the joints on theirs for move_joints)."""
        target = motion.target
        if fraction < 1.0:
            state = self.arm.get_state()
            if motion.kind == "move_linear":
                start = np.array(state.tool_pose[:3])
                part = start + fraction * (np.array(target[:3]) - start)
                target = (*(float(v) for v in part), *target[3:])
            else:
                start = np.array(state.joints)
                target = tuple(float(v) for v in start + fraction * (np.array(target) - start))
        move = self.arm.move_linear if motion.kind == "move_linear" else self.arm.move_joints
        move(target, motion.speed, motion.accel, motion.timeout)

    def tool_xy(self) -> tuple[float, float]:
        x, y = self.arm.get_state().tool_pose[:2]
        return x, y

    def block_at_tool(self) -> str | None:
        """The block nearest the tool point, if one is close enough to be in the gripper."""
        tool = self.arm.get_state().tool_pose[:3]
        near = [(math.dist(self.world.object_pose(name).position, tool), name)
                for name in self.world.object_names if name.endswith(" block")]
        distance, name = min(near, default=(math.inf, None))
        return name if distance < HELD_DISTANCE else None


class MotionFaults(Protocol):
    """What the faulty arm tells the faults (the injector): each motion, and each let-go."""

    def on_motion(self, motion: Motion) -> bool: ...

    def let_go(self, block: str) -> None: ...


@dataclass(frozen=True)
class Fault:
    """Base of every fault; `p` is its probability (per step, or per detection)."""

    name: ClassVar[str] = "fault"
    p: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"faults.{self.name}.p must be in [0, 1], got {self.p}")

    def draw(self, rng: np.random.Generator) -> object | None:
        """This step's decision, drawn as the step begins; None: the fault sits this step out."""
        return True if rng.random() < self.p else None

    def on_motion(self, drawn: object, motion: Motion, sim: Simulation) -> str | None:
        """Send `motion` faulted and say what happened, or None: the arm gets it unchanged.
        May raise InjectedArmFault (its message is the detail)."""
        return None

    def on_placed(self, drawn: object, block: str, sim: Simulation,
                  rng: np.random.Generator) -> str | None:
        """After the gripper let go of `block` in this step, before the next frame."""
        return None

    def on_scene(self, scene: Scene, rng: np.random.Generator) -> tuple[Scene, str | None]:
        """The scene perception reports, with the fault applied (every frame)."""
        return scene, None


def xy(point: tuple[float, ...]) -> str:
    return f"({point[0]:.2f}, {point[1]:.2f})"
