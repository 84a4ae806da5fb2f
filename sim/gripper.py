"""The fingers of a simulated arm: position-controlled joints that grip by friction alone."""

from __future__ import annotations

import math

import numpy as np
import pybullet as p

from sim.arm_models import GripperModel
from sim.world import World


class SimGripper:
    """The gripper `model` of the arm `body` in `world`; nothing is ever attached to it."""

    def __init__(self, world: World, body: int, model: GripperModel,
                 force: float | None = None) -> None:
        self.world, self.body, self.model = world, body, model
        self.force = model.force if force is None else force
        self._c = world.client
        for link, _ in model.pads:
            p.changeDynamics(body, link, lateralFriction=model.friction, spinningFriction=0.001,
                             physicsClientId=self._c)
        for joint, leader, multiplier in model.mimic:
            gear = p.createConstraint(
                body, leader, body, joint, jointType=p.JOINT_GEAR, jointAxis=(1, 0, 0),
                parentFramePosition=(0, 0, 0), childFramePosition=(0, 0, 0),
                physicsClientId=self._c)
            p.changeConstraint(gear, gearRatio=-multiplier, erp=model.mimic_erp,
                               maxForce=model.mimic_force, physicsClientId=self._c)
            if joint not in model.joints:
                p.setJointMotorControl2(body, joint, p.VELOCITY_CONTROL, force=0.0,
                                        physicsClientId=self._c)
        for link_a, point_a, link_b, point_b in model.loops:
            loop = p.createConstraint(
                body, link_a, body, link_b, jointType=p.JOINT_POINT2POINT, jointAxis=(0, 0, 0),
                parentFramePosition=self._from_com(link_a, point_a),
                childFramePosition=self._from_com(link_b, point_b), physicsClientId=self._c)
            p.changeConstraint(loop, erp=model.mimic_erp, maxForce=model.mimic_force,
                               physicsClientId=self._c)

    def reset_open(self) -> None:
        """Teleport the fingers open (scene resets only)."""
        for joint, q in self.model.open_positions().items():
            p.resetJointState(self.body, joint, q, 0.0, physicsClientId=self._c)
        self.command(self.model.open)

    def command(self, targets: tuple[float, ...]) -> None:
        for joint, target in zip(self.model.joints, targets, strict=True):
            p.setJointMotorControl2(self.body, joint, p.POSITION_CONTROL, targetPosition=target,
                                    force=self.force, maxVelocity=self.model.max_speed,
                                    physicsClientId=self._c)

    def move(self, targets: tuple[float, ...], max_seconds: float = 1.0) -> None:
        """Drive the fingers toward `targets` until they stop (on an object or at the targets)."""
        self.command(targets)
        still = 0
        for _ in range(math.ceil(max_seconds / self.world.time_step)):
            self.world.step()
            states = p.getJointStates(self.body, self.model.joints, physicsClientId=self._c)
            still = still + 1 if max(abs(s[1]) for s in states) < 2e-3 else 0
            if still >= 12:
                return

    def width(self) -> float:
        """Distance between the centres of the two pads' gripping faces (m)."""
        (link_a, pad_a), (link_b, pad_b) = self.model.pads
        return float(np.linalg.norm(self._pad_point(link_a, pad_a)
                                    - self._pad_point(link_b, pad_b)))

    def held_body(self) -> int | None:
        """A body (not the arm, not the table) that every pad touches, if any."""
        touched: set[int] | None = None
        for link, _ in self.model.pads:
            bodies = {c[2] for c in p.getContactPoints(bodyA=self.body, linkIndexA=link,
                                                       physicsClientId=self._c)}
            bodies -= {self.body, self.world.table_id}
            touched = bodies if touched is None else touched & bodies
        return min(touched) if touched else None

    def _from_com(self, link: int, point: tuple[float, float, float]) -> tuple[float, ...]:
        """A point in `link`'s frame in its centre-of-mass frame (constraints take those)."""
        info = p.getDynamicsInfo(self.body, link, physicsClientId=self._c)
        com_pos, com_orn = p.invertTransform(info[3], info[4])
        return tuple(p.multiplyTransforms(com_pos, com_orn, point, (0, 0, 0, 1))[0])

    def _pad_point(self, link: int, local: tuple[float, float, float]) -> np.ndarray:
        state = p.getLinkState(self.body, link, computeForwardKinematics=True,
                               physicsClientId=self._c)
        return np.array(p.multiplyTransforms(state[4], state[5], local, (0, 0, 0, 1))[0])
