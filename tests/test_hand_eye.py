"""perception.cameras.hand_eye over cv2.calibrateHandEye on exact synthetic views: every OpenCV
method finds the camera and the board on the tool; views that cannot tell are refused."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.rotations import pose_to_matrix
from perception.cameras.hand_eye import METHODS, solve_eye_to_hand

CAMERA_TO_BASE = pose_to_matrix((0.46, 0.05, 0.92, np.pi, 0.1, -1.5))
BOARD_TO_TOOL = pose_to_matrix((-0.05, -0.08, 0.015, 0.0, 0.0, 0.2))


def views(count: int, turn: float = 0.3, seed: int = 0) -> tuple[list, list]:
    """Tool poses and the board in the camera they imply: G Y = X C."""
    rng = np.random.default_rng(seed)
    tools = [pose_to_matrix((rng.uniform(0.4, 0.6), rng.uniform(-0.1, 0.1), rng.uniform(0.15, 0.3),
                             np.pi + rng.uniform(-turn, turn), rng.uniform(-turn, turn),
                             rng.uniform(-2 * turn, 2 * turn))) for _ in range(count)]
    boards = [np.linalg.inv(CAMERA_TO_BASE) @ g @ BOARD_TO_TOOL for g in tools]
    return tools, boards


@pytest.mark.parametrize("method", sorted(METHODS))
def test_each_method_finds_the_camera_and_the_board(method: str) -> None:
    result = solve_eye_to_hand(*views(8), method=method)
    assert np.abs(result.camera_to_base - CAMERA_TO_BASE).max() < 1e-6
    assert np.abs(result.board_to_tool - BOARD_TO_TOOL).max() < 1e-6
    assert result.residual_mm < 1e-3 and result.method == method


def test_views_that_cannot_tell_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 3 views"):
        solve_eye_to_hand(*views(2))
    with pytest.raises(ValueError, match="turn too little"):
        solve_eye_to_hand(*views(6, turn=1e-3))
    with pytest.raises(ValueError, match="unknown hand-eye method 'kabsch'"):
        solve_eye_to_hand(*views(6), method="kabsch")
