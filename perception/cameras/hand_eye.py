"""Hand-eye calibration for a fixed camera and a board held by the arm (eye-to-hand).

At each of several tool poses G_i (tool in base) the camera sees the board at C_i (board in
camera). The unknowns are X, the camera in the base frame, and Y, the board on the tool:
G_i Y = X C_i. For two views, A = G_j G_i^-1 and B = C_j C_i^-1 satisfy A X = X B; X's rotation
is the one best turning every B's rotation axis-angle into A's (Kabsch, as Park and Martin do), its
translation a least-squares solve of (R_A - I) t = R_X t_B - t_A over all pairs.
(cv2.calibrateHandEye solves the same equations; it is not in every OpenCV build.)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

MIN_VIEWS = 3
MIN_ROTATION_RAD = np.radians(2.0)  # pairs turning less carry no information on the axis


@dataclass(frozen=True, eq=False)
class HandEyeResult:
    camera_to_base: np.ndarray
    board_to_tool: np.ndarray
    residual_mm: float  # mean distance between the board origin as the arm and the camera see it
    pairs: int


def pose_to_matrix(pose: Sequence[float]) -> np.ndarray:
    """A tool pose (x, y, z, roll, pitch, yaw) as 4x4: R = Rz(yaw) Ry(pitch) Rx(roll), the
    convention of `drivers.base.ArmDriver` poses."""
    x, y, z, roll, pitch, yaw = (float(v) for v in pose)
    cr, sr, cp, sp, cy, sy = (np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch),
                              np.cos(yaw), np.sin(yaw))
    matrix = np.eye(4)
    matrix[:3, :3] = [[cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
                      [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
                      [-sp, cp * sr, cp * cr]]
    matrix[:3, 3] = (x, y, z)
    return matrix


def solve_eye_to_hand(tool_to_base: Sequence[np.ndarray],
                      board_to_camera: Sequence[np.ndarray]) -> HandEyeResult:
    if len(tool_to_base) != len(board_to_camera) or len(tool_to_base) < MIN_VIEWS:
        raise ValueError(f"need at least {MIN_VIEWS} views with one tool pose each, got "
                         f"{len(tool_to_base)} poses and {len(board_to_camera)} views")
    a_axes, b_axes, pairs = [], [], []
    for i, j in itertools.combinations(range(len(tool_to_base)), 2):
        a = tool_to_base[j] @ np.linalg.inv(tool_to_base[i])
        b = board_to_camera[j] @ np.linalg.inv(board_to_camera[i])
        a_axis, b_axis = _axis_angle(a[:3, :3]), _axis_angle(b[:3, :3])
        if np.linalg.norm(a_axis) > MIN_ROTATION_RAD:
            a_axes.append(a_axis)
            b_axes.append(b_axis)
            pairs.append((a, b))
    if len(pairs) < 2:
        raise ValueError("the tool poses turn too little between views: tilt the board "
                         "differently (at least 2 degrees) in each")
    u, _, vt = np.linalg.svd(np.array(a_axes).T @ np.array(b_axes))
    rotation = u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
    lhs = np.concatenate([a[:3, :3] - np.eye(3) for a, _ in pairs])
    rhs = np.concatenate([rotation @ b[:3, 3] - a[:3, 3] for a, b in pairs])
    translation = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
    camera_to_base = np.eye(4)
    camera_to_base[:3, :3], camera_to_base[:3, 3] = rotation, translation
    boards = [np.linalg.inv(g) @ camera_to_base @ c
              for g, c in zip(tool_to_base, board_to_camera, strict=True)]
    board_to_tool = _mean_pose(boards)
    seen = np.array([(camera_to_base @ c)[:3, 3] for c in board_to_camera])
    held = np.array([(g @ board_to_tool)[:3, 3] for g in tool_to_base])
    residual = float(np.linalg.norm(seen - held, axis=1).mean() * 1000)
    return HandEyeResult(camera_to_base, board_to_tool, residual, len(pairs))


def _axis_angle(rotation: np.ndarray) -> np.ndarray:
    return cv2.Rodrigues(rotation)[0].ravel()


def _mean_pose(poses: Sequence[np.ndarray]) -> np.ndarray:
    u, _, vt = np.linalg.svd(sum(p[:3, :3] for p in poses))
    mean = np.eye(4)
    mean[:3, :3] = u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
    mean[:3, 3] = np.mean([p[:3, 3] for p in poses], axis=0)
    return mean
