"""`slip`: the grasped block falls out of the gripper half way through the carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from faults.base import Fault, Motion, Simulation, xy

CARRY = 2  # the carry is the second move_linear after a grasp that held (the first lifts)
HALF_WAY = 0.5


@dataclass(frozen=True)
class Slip(Fault):
    """With probability `p` per step the carry stops half way, the gripper opens and the block
    falls to the table; then the arm finishes the carry empty-handed."""

    name: ClassVar[str] = "slip"

    def on_motion(self, drawn: object, motion: Motion, sim: Simulation) -> str | None:
        if motion.kind != "move_linear" or motion.moves_since_grasp != CARRY:
            return None
        block = sim.block_at_tool()
        if block is None or not sim.arm.get_state().holding:
            return None
        sim.send(motion, HALF_WAY)
        where = sim.tool_xy()
        sim.arm.gripper_open()
        sim.send(motion)
        return f"{block} slipped during the carry at {xy(where)}"
