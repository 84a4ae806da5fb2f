"""The simulated arm with faults injected: an ArmDriver between the safety guard and the arm.

Every command the guard passes arrives here; motion commands are offered to the injector's
faults (which may send them faulted), and the gripper commands tell the injector when a block
was let go of.
"""

from __future__ import annotations

from dataclasses import replace

from drivers import ArmDriver, ArmInfo, ArmState, Pose
from faults.base import InjectedArmFault, Motion, MotionFaults, Simulation


class FaultyArm(ArmDriver):
    """`FaultyArm(sim, injector)`: delegates to `sim.arm`, letting `injector` fault it."""

    def __init__(self, sim: Simulation, injector: MotionFaults) -> None:
        self.sim = sim
        self.arm = sim.arm
        self._injector = injector
        self._commands = 0  # motion commands sent in this step
        self._moves_since_grasp: int | None = None
        self._injected: str | None = None  # the injected fault the arm is in

    @property
    def world(self) -> object:
        return self.sim.world

    @property
    def info(self) -> ArmInfo:
        return self.arm.info

    @property
    def in_injected_fault(self) -> bool:
        return self._injected is not None

    def new_step(self) -> None:
        self._commands = 0

    # pass-through ------------------------------------------------------------------------------
    def connect(self) -> None:
        self.arm.connect()

    def close(self) -> None:
        self.arm.close()

    def get_state(self) -> ArmState:
        state = self.arm.get_state()
        if self._injected and state.fault:
            return replace(state, fault=self._injected)
        return state

    def wait(self, timeout: float | None = None) -> None:
        self.arm.wait(timeout)

    def stop(self) -> None:
        self.arm.stop()

    def emergency_stop(self) -> None:
        self.arm.emergency_stop()

    def clear_fault(self) -> None:
        self.arm.clear_fault()
        self._injected = None

    def set_speed_scale(self, scale: float) -> None:
        self.arm.set_speed_scale(scale)

    def is_reachable(self, pose: Pose) -> bool:
        return self.arm.is_reachable(pose)

    def tool_pose_for(self, joints: tuple[float, ...]) -> Pose | None:
        return self.arm.tool_pose_for(joints)

    # commands the faults see -------------------------------------------------------------------
    def move_joints(
        self, joints: tuple[float, ...], speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        self._move(Motion("move_joints", tuple(joints), speed, accel, timeout, self._commands,
                          self._moves_since_grasp))

    def move_linear(
        self, pose: Pose, speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        if self._moves_since_grasp is not None:
            self._moves_since_grasp += 1
        self._move(Motion("move_linear", tuple(pose), speed, accel, timeout, self._commands,
                          self._moves_since_grasp))

    def gripper_open(self) -> None:
        held = self.sim.block_at_tool() if self.arm.get_state().holding else None
        self.arm.gripper_open()
        self._moves_since_grasp = None
        if held is not None:
            self._injector.let_go(held)

    def gripper_close(self) -> bool:
        held = self.arm.gripper_close()
        self._moves_since_grasp = 0 if held else None
        return held

    def _move(self, motion: Motion) -> None:
        self._commands += 1
        try:
            faulted = self._injector.on_motion(motion)
        except InjectedArmFault as fault:
            self._injected = str(fault)
            raise
        if not faulted:
            self.sim.send(motion)
