"""Roll-pitch-yaw (our poses; R = Rz(yaw) Ry(pitch) Rx(roll), as PyBullet) <-> rotation vectors
(axis times angle, as UR controllers take them)."""

from __future__ import annotations

import math

import numpy as np


def rpy_to_matrix(roll: float, pitch: float, yaw: float) -> np.ndarray:
    cr, sr, cp, sp, cy, sy = (math.cos(roll), math.sin(roll), math.cos(pitch), math.sin(pitch),
                              math.cos(yaw), math.sin(yaw))
    return np.array([[cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
                     [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
                     [-sp, cp * sr, cp * cr]])


def matrix_to_rpy(m: np.ndarray) -> tuple[float, float, float]:
    pitch = math.asin(max(-1.0, min(1.0, -m[2, 0])))
    if abs(m[2, 0]) < 1 - 1e-9:
        return math.atan2(m[2, 1], m[2, 2]), pitch, math.atan2(m[1, 0], m[0, 0])
    return 0.0, pitch, math.atan2(-m[0, 1], m[1, 1])  # gimbal lock: put it all in yaw


def matrix_to_rotvec(m: np.ndarray) -> tuple[float, float, float]:
    angle = math.acos(max(-1.0, min(1.0, (np.trace(m) - 1) / 2)))
    if angle < 1e-9:
        return 0.0, 0.0, 0.0
    if math.pi - angle < 1e-6:  # 180 degrees: the axis from the diagonal
        axis = np.sqrt(np.maximum((np.diag(m) + 1) / 2, 0.0))
        k = int(np.argmax(axis))
        for j in range(3):
            if j != k and m[k, j] + m[j, k] < 0:
                axis[j] = -axis[j]
        return tuple(float(v) for v in axis / np.linalg.norm(axis) * angle)  # type: ignore[return-value]
    axis = np.array([m[2, 1] - m[1, 2], m[0, 2] - m[2, 0], m[1, 0] - m[0, 1]])
    return tuple(float(v) for v in axis / (2 * math.sin(angle)) * angle)  # type: ignore[return-value]


def rotvec_to_matrix(rx: float, ry: float, rz: float) -> np.ndarray:
    angle = math.sqrt(rx * rx + ry * ry + rz * rz)
    if angle < 1e-12:
        return np.eye(3)
    k = np.array([rx, ry, rz]) / angle
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross


def rpy_to_rotvec(roll: float, pitch: float, yaw: float) -> tuple[float, float, float]:
    return matrix_to_rotvec(rpy_to_matrix(roll, pitch, yaw))


def rotvec_to_rpy(rx: float, ry: float, rz: float) -> tuple[float, float, float]:
    return matrix_to_rpy(rotvec_to_matrix(rx, ry, rz))
