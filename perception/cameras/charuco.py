"""The ChArUco calibration board: its layout, finding it in an image, and what OpenCV's
calibration makes of the views (intrinsics; the camera's pose relative to the board).

Board frame (OpenCV's): origin at the board's top-left corner as printed, x along the columns,
y down the rows, z into the board; a board lying face up on the table has z pointing down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

MIN_CORNERS = 6  # fewer detected corners give no usable pose


@dataclass(frozen=True)
class BoardSpec:
    """squares: (columns, rows); square and marker side lengths in metres; an ArUco dictionary
    name of cv2.aruco (DICT_4X4_50 ...)."""

    squares: tuple[int, int] = (9, 7)
    square: float = 0.05
    marker: float = 0.037
    dictionary: str = "DICT_4X4_50"

    def __post_init__(self) -> None:
        object.__setattr__(self, "squares", tuple(int(v) for v in self.squares))
        if len(self.squares) != 2 or min(self.squares) < 3:
            raise ValueError(f"a board needs at least 3x3 squares, got {self.squares}")
        if not 0 < self.marker < self.square:
            raise ValueError(f"need 0 < marker < square, got {self.marker}, {self.square}")
        if not hasattr(cv2.aruco, self.dictionary):
            raise ValueError(f"unknown ArUco dictionary {self.dictionary!r}")

    @property
    def size(self) -> tuple[float, float]:
        """(width, height) of the board in metres."""
        return (self.squares[0] * self.square, self.squares[1] * self.square)

    def board(self) -> cv2.aruco.CharucoBoard:
        dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, self.dictionary))
        return cv2.aruco.CharucoBoard(self.squares, self.square, self.marker, dictionary)

    def image(self, pixels_per_metre: float, margin: float = 0.0) -> np.ndarray:
        """The printable board (grey uint8) with a white margin (metres) around it."""
        width, height = self.size
        size = (round(width * pixels_per_metre), round(height * pixels_per_metre))
        board = self.board().generateImage(size, marginSize=0, borderBits=1)
        pad = round(margin * pixels_per_metre)
        return cv2.copyMakeBorder(board, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


@dataclass(frozen=True)
class BoardView:
    """The board's corners found in one image: board-frame points (N x 3) and pixels (N x 2)."""

    object_points: np.ndarray
    image_points: np.ndarray


def find_board(spec: BoardSpec, image: np.ndarray) -> BoardView | None:
    """The board's inner corners in an RGB or grey image, refined to sub-pixel; None when fewer
    than MIN_CORNERS are found."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    board = spec.board()
    corners, ids, _, _ = cv2.aruco.CharucoDetector(board).detectBoard(grey)
    if ids is None or len(ids) < MIN_CORNERS:
        return None
    object_points, image_points = board.matchImagePoints(corners, ids)
    return BoardView(object_points.reshape(-1, 3).astype(np.float64),
                     image_points.reshape(-1, 2).astype(np.float64))


@dataclass(frozen=True)
class Intrinsics:
    matrix: np.ndarray
    distortion: np.ndarray
    rms_px: float  # OpenCV's reprojection RMS over every view
    views: int


def calibrate_intrinsics(views: Sequence[BoardView], image_size: tuple[int, int],
                         fix_distortion: bool = False) -> Intrinsics:
    """K and distortion from several views of the board (`image_size`: width, height).
    `fix_distortion` assumes a distortion-free lens (a rendered camera)."""
    if len(views) < 3:
        raise ValueError(f"need at least 3 views of the board, got {len(views)}")
    flags = cv2.CALIB_FIX_K3
    if fix_distortion:
        flags |= cv2.CALIB_FIX_K1 | cv2.CALIB_FIX_K2 | cv2.CALIB_ZERO_TANGENT_DIST
    rms, matrix, distortion, _, _ = cv2.calibrateCamera(
        [v.object_points.astype(np.float32) for v in views],
        [v.image_points.astype(np.float32) for v in views],
        image_size, None, None, flags=flags)
    return Intrinsics(matrix, distortion.ravel(), float(rms), len(views))


def board_in_camera(view: BoardView, matrix: np.ndarray,
                    distortion: np.ndarray) -> tuple[np.ndarray, float]:
    """4x4 pose of the board in the camera frame (OpenCV axes) and the RMS reprojection error
    in pixels, from one view."""
    ok, rvec, tvec = cv2.solvePnP(view.object_points, view.image_points, matrix, distortion,
                                  flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        raise ValueError("solvePnP found no pose for the board")
    rvec, tvec = cv2.solvePnPRefineLM(view.object_points, view.image_points, matrix, distortion,
                                      rvec, tvec)
    projected, _ = cv2.projectPoints(view.object_points, rvec, tvec, matrix, distortion)
    rms = float(np.sqrt(np.mean(np.sum((projected.reshape(-1, 2) - view.image_points) ** 2,
                                       axis=1))))
    return pose_matrix(rvec, tvec), rms


def pose_matrix(rvec: np.ndarray, tvec: np.ndarray) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, :3] = cv2.Rodrigues(np.asarray(rvec, np.float64))[0]
    pose[:3, 3] = np.asarray(tvec, np.float64).ravel()
    return pose


def board_on_table(origin: Sequence[float], x_axis: Sequence[float] = (1.0, 0.0, 0.0)
                   ) -> np.ndarray:
    """4x4 pose of a board lying face up on the table: its top-left corner at `origin` (base
    frame, metres), its x axis (along the columns) along `x_axis` (in the table plane)."""
    x = np.array([x_axis[0], x_axis[1], 0.0], np.float64)
    if np.linalg.norm(x) < 1e-9:
        raise ValueError(f"the board's x axis must lie in the table plane, got {list(x_axis)}")
    x /= np.linalg.norm(x)
    z = np.array([0.0, 0.0, -1.0])
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2] = x, np.cross(z, x), z
    pose[:3, 3] = np.asarray(origin, np.float64)
    return pose


def camera_to_base_from_board(view: BoardView, matrix: np.ndarray, distortion: np.ndarray,
                              board_to_base: np.ndarray) -> tuple[np.ndarray, float]:
    """4x4 pose of the camera in the base frame from one view of the board lying at the known
    `board_to_base`, and the view's RMS reprojection error (pixels)."""
    board_to_camera, rms = board_in_camera(view, matrix, distortion)
    return board_to_base @ np.linalg.inv(board_to_camera), rms


def corners_on_board_plane(view: BoardView, matrix: np.ndarray, distortion: np.ndarray,
                           camera_to_base: np.ndarray, board_to_base: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Where the calibrated camera places the board's corners (their pixels' rays meeting the
    board's plane) and where they are (the board's known pose): two N x 3 arrays, base frame."""
    normalised = cv2.undistortPoints(view.image_points.reshape(-1, 1, 2), matrix, distortion)
    rays = np.column_stack([normalised.reshape(-1, 2), np.ones(len(view.image_points))])
    rays = rays @ camera_to_base[:3, :3].T
    centre = camera_to_base[:3, 3]
    normal, point = board_to_base[:3, 2], board_to_base[:3, 3]
    t = ((point - centre) @ normal) / (rays @ normal)
    seen = centre + t[:, None] * rays
    known = view.object_points @ board_to_base[:3, :3].T + board_to_base[:3, 3]
    return seen, known
