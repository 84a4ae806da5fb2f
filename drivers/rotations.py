"""Rotations, in one place, over scipy's `Rotation`, in this project's conventions:

- roll-pitch-yaw, as tool poses carry them (`drivers.base.Pose`): R = Rz(yaw) Ry(pitch) Rx(roll),
  fixed axes, as PyBullet's Euler angles (scipy's extrinsic "xyz");
- rotation vectors (axis times angle, angle in [0, pi]), as UR controllers take them;
- quaternions as (x, y, z, w), as PyBullet and rerun take them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

RPY = "xyz"  # scipy: lower case is extrinsic (fixed axes), x first


def rpy_to_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    return Rotation.from_euler(RPY, (roll, pitch, yaw)).as_matrix()


def matrix_to_rpy(m: np.ndarray) -> tuple[float, float, float]:
    """At gimbal lock (pitch +-90 degrees) roll and yaw turn about one axis: scipy puts it all
    in one of them (a valid answer, and the same rotation)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Gimbal lock detected")
        roll, pitch, yaw = Rotation.from_matrix(m).as_euler(RPY)
    return float(roll), float(pitch), float(yaw)


def matrix_to_rotvec(m: np.ndarray) -> tuple[float, float, float]:
    x, y, z = Rotation.from_matrix(m).as_rotvec()
    return float(x), float(y), float(z)


def rotvec_to_matrix(rx: float, ry: float, rz: float) -> np.ndarray:
    return Rotation.from_rotvec((rx, ry, rz)).as_matrix()


def rpy_to_rotvec(roll: float, pitch: float, yaw: float) -> tuple[float, float, float]:
    x, y, z = Rotation.from_euler(RPY, (roll, pitch, yaw)).as_rotvec()
    return float(x), float(y), float(z)


def rotvec_to_rpy(rx: float, ry: float, rz: float) -> tuple[float, float, float]:
    return matrix_to_rpy(rotvec_to_matrix(rx, ry, rz))


def rpy_to_quaternion(roll: float, pitch: float, yaw: float) -> tuple[float, float, float, float]:
    """(x, y, z, w), as PyBullet's getQuaternionFromEuler."""
    x, y, z, w = Rotation.from_euler(RPY, (roll, pitch, yaw)).as_quat()
    return float(x), float(y), float(z), float(w)


def matrix_to_quaternion(m: np.ndarray) -> tuple[float, float, float, float]:
    x, y, z, w = Rotation.from_matrix(m).as_quat()
    return float(x), float(y), float(z), float(w)


def pose_to_matrix(pose: Sequence[float]) -> np.ndarray:
    """A tool pose (x, y, z, roll, pitch, yaw) as a 4x4 transform."""
    x, y, z, roll, pitch, yaw = (float(v) for v in pose)
    matrix = np.eye(4)
    matrix[:3, :3] = rpy_to_matrix(roll, pitch, yaw)
    matrix[:3, 3] = (x, y, z)
    return matrix


class QuaternionTarget:
    """A target orientation (x, y, z, w) to measure others against, as IK does every iteration.

    `error` is the one rotation here not computed by scipy: scipy 1.17 spends about 80 us
    building each `Rotation`, and IK asks a hundred times per linear move, which doubled the
    planning time of a move. It is the quaternion product and its logarithm, checked against
    scipy in tests/test_rotations.py.
    """

    def __init__(self, xyzw: Sequence[float]) -> None:
        q = np.asarray(xyzw, dtype=float)
        self.xyzw = q / np.linalg.norm(q)

    def error(self, xyzw: Sequence[float]) -> np.ndarray:
        """The rotation vector turning `xyzw` onto the target (world frame), angle in [0, pi]:
        the target times the inverse of `xyzw`."""
        ax, ay, az, aw = self.xyzw
        bx, by, bz, bw = -xyzw[0], -xyzw[1], -xyzw[2], xyzw[3]
        q = np.array([aw * bx + ax * bw + ay * bz - az * by,
                      aw * by - ax * bz + ay * bw + az * bx,
                      aw * bz + ax * by - ay * bx + az * bw,
                      aw * bw - ax * bx - ay * by - az * bz])
        if q[3] < 0:  # the same rotation, the short way round
            q = -q
        s = float(np.linalg.norm(q[:3]))
        if s < 1e-12:
            return np.zeros(3)
        return 2.0 * np.arctan2(s, q[3]) * q[:3] / s


def quaternion_angle(a: Sequence[float], b: Sequence[float]) -> float:
    """The angle (radians, in [0, pi]) between two orientations (x, y, z, w)."""
    return float((Rotation.from_quat(a).inv() * Rotation.from_quat(b)).magnitude())


def slerp(a: Sequence[float], b: Sequence[float], s: float | np.ndarray) -> np.ndarray:
    """The orientations (x, y, z, w) fractions `s` of the shortest way from `a` to `b`: one
    quaternion for one fraction, one row each for an array of them."""
    return Slerp([0.0, 1.0], Rotation.from_quat([a, b]))(s).as_quat()
