"""A ChArUco board in the simulated world: a textured quad lying where the test puts it, so
calibration can be run on rendered views (perception.cameras.charuco)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pybullet as p

from drivers.rotations import matrix_to_quaternion
from perception.cameras.charuco import BoardSpec
from sim.camera import Camera

TEXTURE_PX_PER_M = 4000.0


def add_board(client: int, spec: BoardSpec, board_to_world: np.ndarray,
              margin: float = 0.02, texture_dir: Path | None = None) -> int:
    """A static body showing the board (with a white margin) at `board_to_world` (4x4); the
    board's face is its -z side (OpenCV's board frame), so face up on the table z points down."""
    directory = texture_dir or Path(tempfile.mkdtemp(prefix="stackbot-charuco-"))
    texture = directory / "board.png"
    cv2.imwrite(str(texture), spec.image(TEXTURE_PX_PER_M, margin))
    width, height = spec.size
    corners = [[-margin, -margin, 0.0], [width + margin, -margin, 0.0],
               [width + margin, height + margin, 0.0], [-margin, height + margin, 0.0]]
    uvs = [[0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    visual = p.createVisualShape(p.GEOM_MESH, vertices=corners, indices=[0, 2, 1, 0, 3, 2],
                                 uvs=uvs, normals=[[0.0, 0.0, -1.0]] * 4,
                                 physicsClientId=client)
    body = p.createMultiBody(baseMass=0.0, baseVisualShapeIndex=visual, physicsClientId=client)
    texture_id = p.loadTexture(str(texture), physicsClientId=client)
    p.changeVisualShape(body, -1, textureUniqueId=texture_id, rgbaColor=[1, 1, 1, 1],
                        physicsClientId=client)
    move_board(client, body, board_to_world)
    return body


def move_board(client: int, body: int, board_to_world: np.ndarray) -> None:
    """Put the board at `board_to_world` (4x4), as an arm holding it would."""
    x, y, z, w = matrix_to_quaternion(board_to_world[:3, :3])
    p.resetBasePositionAndOrientation(body, board_to_world[:3, 3].tolist(), [x, y, z, w],
                                      physicsClientId=client)


def render_smooth(camera: Camera, client: int, factor: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """An RGB image of `camera`'s size rendered at `factor` times the resolution and averaged
    down (edges anti-aliased, as a real lens and sensor blur them), and its intrinsics K in
    OpenCV's pixel convention."""
    fine = replace(camera, width=camera.width * factor, height=camera.height * factor)
    frame = fine.render(client)
    rgb = cv2.resize(frame.rgb, (camera.width, camera.height), interpolation=cv2.INTER_AREA)
    k = fine.intrinsics.copy()
    k[:2] /= factor  # a coarse pixel's centre (frame convention) is the mean of its fine ones'
    k[0, 2] -= 0.5
    k[1, 2] -= 0.5
    return rgb, k
