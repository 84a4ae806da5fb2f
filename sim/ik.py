"""Inverse kinematics for a PyBullet arm (motions: `sim.motion`; rotations: `drivers.rotations`).

`ArmIK.solve` starts from PyBullet's null-space IK (a guess near the rest posture) and refines it
with damped least squares on PyBullet's Jacobian, respecting joint limits and pulling toward the
rest posture in the null space. Errors are measured on the real kinematic model: the arm's joints
are set to each candidate and restored afterwards (no physics step happens in between). The tool
point is a fixed offset in the tool link's frame; positions are in the world frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p

from drivers.rotations import QuaternionTarget


@dataclass(frozen=True)
class IKResult:
    joints: np.ndarray
    position_error: float  # metres
    orientation_error: float  # radians

    def ok(self, pos_tol: float, ang_tol: float) -> bool:
        return self.position_error <= pos_tol and self.orientation_error <= ang_tol


class ArmIK:
    """IK for `joints` of `body` placing `tcp_offset` (in `tcp_link`'s frame) at a world pose.

    `extra_rest` gives the rest position of every other movable joint (the gripper's), which
    PyBullet's null-space IK needs; `base` is where the arm's base stands (world frame).
    """

    def __init__(
        self, client: int, body: int, joints: tuple[int, ...], tcp_link: int,
        lower: np.ndarray, upper: np.ndarray, rest: np.ndarray, extra_rest: dict[int, float],
        tcp_offset: tuple[float, float, float] = (0.0, 0.0, 0.0),
        base: tuple[float, float, float] = (0.0, 0.0, 0.0),
    ) -> None:
        self.c, self.body, self.joints, self.tcp = client, body, joints, tcp_link
        self.lower, self.upper, self.rest = lower, upper, rest
        self.offset, self.base = np.array(tcp_offset, dtype=float), np.array(base, dtype=float)
        self._all_movable = [
            j for j in range(p.getNumJoints(body, physicsClientId=client))
            if p.getJointInfo(body, j, physicsClientId=client)[2] != p.JOINT_FIXED
        ]
        extra = [j for j in self._all_movable if j not in joints]
        limits = [p.getJointInfo(body, j, physicsClientId=client)[8:10] for j in extra]
        self._nullspace = {
            "lowerLimits": [*lower, *(lo for lo, _ in limits)],
            "upperLimits": [*upper, *(hi for _, hi in limits)],
            "jointRanges": [*(upper - lower), *(hi - lo for lo, hi in limits)],
            "restPoses": [*rest, *(extra_rest[j] for j in extra)],
        }

    def tool_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """World position and orientation (xyzw) of the tool point at the current joints."""
        state = p.getLinkState(self.body, self.tcp, computeForwardKinematics=True,
                               physicsClientId=self.c)
        pos, _ = p.multiplyTransforms(state[4], state[5], self.offset.tolist(), (0, 0, 0, 1))
        return np.array(pos), np.array(state[5])

    def tool_pose_at(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The tool pose at joints `q`: set on the kinematic model, read, restored (no physics
        step happens in between, so the arm does not move)."""
        saved = p.getJointStates(self.body, self.joints, physicsClientId=self.c)
        try:
            self._set(q)
            return self.tool_pose()
        finally:
            for j, s in zip(self.joints, saved, strict=True):
                p.resetJointState(self.body, j, s[0], s[1], physicsClientId=self.c)

    def solve(self, pos: np.ndarray, orn: np.ndarray, seed: np.ndarray,
              global_search: bool = True) -> IKResult:
        """Best solution from `seed`; with `global_search`, also from PyBullet's guess and the
        rest posture turned toward the target."""
        saved = p.getJointStates(self.body, self.joints, physicsClientId=self.c)
        try:
            best = self._dls(pos, orn, seed, iters=30 if global_search else 15)
            if global_search and not best.ok(2e-4, 2e-3):
                facing = self.rest.copy()
                toward = pos - self.base
                facing[0] = np.clip(math.atan2(toward[1], toward[0]), self.lower[0],
                                    self.upper[0])
                for start in (self._pybullet_guess(pos, orn, seed), facing):
                    cand = self._dls(pos, orn, start, iters=100)
                    if _cost(cand) < _cost(best):
                        best = cand
                    if best.ok(2e-4, 2e-3):
                        break
        finally:
            for j, s in zip(self.joints, saved, strict=True):
                p.resetJointState(self.body, j, s[0], s[1], physicsClientId=self.c)
        return best

    def _pybullet_guess(self, pos: np.ndarray, orn: np.ndarray, seed: np.ndarray) -> np.ndarray:
        self._set(seed)
        link_pos, _ = p.multiplyTransforms(pos.tolist(), orn.tolist(), (-self.offset).tolist(),
                                           (0, 0, 0, 1))
        sol = p.calculateInverseKinematics(
            self.body, self.tcp, link_pos, orn.tolist(), maxNumIterations=50,
            residualThreshold=1e-5, physicsClientId=self.c, **self._nullspace)
        return np.clip(np.array(sol[: len(self.joints)]), self.lower, self.upper)

    def _dls(self, pos: np.ndarray, orn: np.ndarray, q: np.ndarray, iters: int) -> IKResult:
        n = len(self.joints)
        q = np.clip(np.asarray(q, dtype=float), self.lower, self.upper)
        best = IKResult(q, math.inf, math.inf)
        target = QuaternionTarget(orn)
        for _ in range(iters):
            self._set(q)
            tool_pos, tool_orn = self.tool_pose()
            e_pos = pos - tool_pos
            e_rot = target.error(tool_orn)
            result = IKResult(q, float(np.linalg.norm(e_pos)), float(np.linalg.norm(e_rot)))
            if _cost(result) < _cost(best):
                best = result
            if result.ok(2e-4, 2e-3):
                break
            all_q = [s[0] for s in p.getJointStates(self.body, self._all_movable,
                                                     physicsClientId=self.c)]
            zeros = [0.0] * len(all_q)
            lin, ang = p.calculateJacobian(self.body, self.tcp, self.offset.tolist(), all_q, zeros,
                                           zeros, physicsClientId=self.c)
            jac = np.vstack([np.array(lin)[:, :n], 0.5 * np.array(ang)[:, :n]])
            err = np.concatenate([e_pos, 0.5 * e_rot])
            jjt = jac @ jac.T
            dq = jac.T @ np.linalg.solve(jjt + 4e-4 * np.eye(6), err)
            pinv = jac.T @ np.linalg.inv(jjt + 1e-6 * np.eye(6))
            dq += (np.eye(n) - pinv @ jac) @ (0.1 * (self.rest - q))
            q = np.clip(q + dq, self.lower, self.upper)
        return best

    def _set(self, q: np.ndarray) -> None:
        for j, v in zip(self.joints, q, strict=True):
            p.resetJointState(self.body, j, float(v), physicsClientId=self.c)


def _cost(r: IKResult) -> float:
    return r.position_error + 0.1 * r.orientation_error

