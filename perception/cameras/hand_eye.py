"""Hand-eye calibration for a fixed camera and a board held by the arm (eye-to-hand), by
OpenCV's `cv2.calibrateHandEye`.

At each of several tool poses G_i (tool in base) the camera sees the board at C_i (board in
camera). The unknowns are X, the camera in the base frame, and Y, the board on the tool:
G_i Y = X C_i. OpenCV solves the eye-in-hand form; handed the base in the tool frame (G_i^-1)
instead of the tool in the base frame, it returns the camera in the base frame (eye-to-hand).
Y is then the mean of G_i^-1 X C_i. `python -m tools.hand_eye_residuals` compares OpenCV's
methods on rendered views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

MIN_VIEWS = 3
MIN_ROTATION_RAD = np.radians(2.0)  # pairs turning less carry no information on the axis
METHODS = {"tsai": cv2.CALIB_HAND_EYE_TSAI, "park": cv2.CALIB_HAND_EYE_PARK,
           "horaud": cv2.CALIB_HAND_EYE_HORAUD, "andreff": cv2.CALIB_HAND_EYE_ANDREFF,
           "daniilidis": cv2.CALIB_HAND_EYE_DANIILIDIS}
DEFAULT_METHOD = "park"


@dataclass(frozen=True, eq=False)
class HandEyeResult:
    camera_to_base: np.ndarray
    board_to_tool: np.ndarray
    residual_mm: float  # mean distance between the board origin as the arm and the camera see it
    method: str


def solve_eye_to_hand(tool_to_base: Sequence[np.ndarray], board_to_camera: Sequence[np.ndarray],
                      method: str = DEFAULT_METHOD) -> HandEyeResult:
    """The camera in the base frame from 4x4 tool poses and the board's pose in each view."""
    if method not in METHODS:
        raise ValueError(f"unknown hand-eye method {method!r}; have {', '.join(METHODS)}")
    if len(tool_to_base) != len(board_to_camera) or len(tool_to_base) < MIN_VIEWS:
        raise ValueError(f"need at least {MIN_VIEWS} views with one tool pose each, got "
                         f"{len(tool_to_base)} poses and {len(board_to_camera)} views")
    if _turned_pairs(tool_to_base) < 2:
        raise ValueError("the tool poses turn too little between views: tilt the board "
                         "differently (at least 2 degrees) in each")
    base_to_tool = [np.linalg.inv(g) for g in tool_to_base]
    rotation, translation = cv2.calibrateHandEye(
        [g[:3, :3] for g in base_to_tool], [g[:3, 3] for g in base_to_tool],
        [c[:3, :3] for c in board_to_camera], [c[:3, 3] for c in board_to_camera],
        method=METHODS[method])
    camera_to_base = np.eye(4)
    camera_to_base[:3, :3], camera_to_base[:3, 3] = rotation, translation.ravel()
    boards = [g @ camera_to_base @ c for g, c in zip(base_to_tool, board_to_camera, strict=True)]
    board_to_tool = _mean_pose(boards)
    seen = np.array([(camera_to_base @ c)[:3, 3] for c in board_to_camera])
    held = np.array([(g @ board_to_tool)[:3, 3] for g in tool_to_base])
    residual = float(np.linalg.norm(seen - held, axis=1).mean() * 1000)
    return HandEyeResult(camera_to_base, board_to_tool, residual, method)


def _turned_pairs(tool_to_base: Sequence[np.ndarray]) -> int:
    """Pairs of views whose tool orientations differ by more than MIN_ROTATION_RAD."""
    count = 0
    for i, g in enumerate(tool_to_base):
        for h in tool_to_base[i + 1:]:
            cos = (np.trace(g[:3, :3].T @ h[:3, :3]) - 1) / 2
            count += bool(np.arccos(np.clip(cos, -1.0, 1.0)) > MIN_ROTATION_RAD)
    return count


def _mean_pose(poses: Sequence[np.ndarray]) -> np.ndarray:
    u, _, vt = np.linalg.svd(sum(p[:3, :3] for p in poses))
    mean = np.eye(4)
    mean[:3, :3] = u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
    mean[:3, 3] = np.mean([p[:3, 3] for p in poses], axis=0)
    return mean
