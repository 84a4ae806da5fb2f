"""The top-down camera: K, its pose, and metric back-projection of rendered pixels."""

from __future__ import annotations

import numpy as np
import pybullet as p
import pytest

from sim.camera import Camera
from skills.workspace import Workspace


def test_default_camera_looks_down_with_robot_at_bottom() -> None:
    cam = Camera()
    pose = cam.camera_to_world
    assert np.allclose(pose[:3, :3] @ pose[:3, :3].T, np.eye(3))
    assert np.allclose(pose[:3, 2], (0, 0, -1))  # optical axis straight down
    (col_c, row_c), (col_far, row_far), (col_left, row_left) = cam.project(
        [[0.5, 0.0, 0.0], [0.7, 0.0, 0.0], [0.5, 0.2, 0.0]])
    assert row_far < row_c and abs(col_far - col_c) < 1e-6  # +x (away from robot) is image up
    assert col_left < col_c and abs(row_left - row_c) < 1e-6  # +y (robot's left) is image left
    robot_col, robot_row = cam.project([[0.0, 0.0, 0.0]])[0]
    assert robot_row > cam.height  # the robot is beyond the bottom edge


def test_whole_workspace_in_view_with_room_for_bowl_rims() -> None:
    cam, ws = Camera(), Workspace()
    corners = [[x, y, z] for x in (ws.x_min, ws.x_max) for y in (ws.y_min, ws.y_max)
               for z in (0.0, 0.15)]  # up to a stack of three blocks and more
    margin = 0.08  # bowls reaching past the workspace edge
    corners += [[x, y, 0.0] for x in (ws.x_min - margin, ws.x_max + margin)
                for y in (ws.y_min - margin, ws.y_max + margin)]
    cols, rows = cam.project(corners).T
    assert np.all((cols >= 0) & (cols < cam.width) & (rows >= 0) & (rows < cam.height))


def test_camera_rejects_bad_config() -> None:
    with pytest.raises(ValueError):
        Camera(position=(0.5, 0, 1), target=(0.5, 0, 1))
    with pytest.raises(ValueError):
        Camera(up=(0, 0, 1))
    with pytest.raises(ValueError):
        Camera(near=2.0, far=1.0)


@pytest.mark.sim
def test_back_projection_of_rendered_boxes_is_metric() -> None:
    client = p.connect(p.DIRECT)
    try:
        table = p.createVisualShape(p.GEOM_BOX, halfExtents=[0.6, 0.6, 0.01],
                                    rgbaColor=[0.2, 0.2, 0.2, 1], physicsClientId=client)
        p.createMultiBody(0, -1, table, basePosition=[0.5, 0, -0.01], physicsClientId=client)
        centres = [(0.5, 0.0), (0.3, 0.25), (0.72, -0.28), (0.27, -0.2)]
        box = p.createVisualShape(p.GEOM_BOX, halfExtents=[0.02, 0.02, 0.02],
                                  rgbaColor=[1, 0, 0, 1], physicsClientId=client)
        for x, y in centres:
            p.createMultiBody(0, -1, box, basePosition=[x, y, 0.02], physicsClientId=client)
        cam = Camera()
        frame = cam.render(client)
        assert frame.rgb.shape == (480, 640, 3) and frame.depth.dtype == np.float32
        # the table is flat at z = 0, i.e. 1 m along the optical axis everywhere
        rows, cols = np.nonzero(frame.rgb[:, :, 0] < 100)
        table_z = frame.back_project(rows, cols)[:, 2]
        assert np.abs(table_z).max() < 1e-3
        for x, y in centres:
            col, row = np.round(cam.project([[x, y, 0.04]])[0]).astype(int)
            rr, cc = np.mgrid[row - 20:row + 21, col - 20:col + 21]
            rr, cc = rr.ravel(), cc.ravel()
            top = np.abs(frame.depth[rr, cc] - 0.96) < 1e-3  # pixels of the top face
            points = frame.back_project(rr[top], cc[top])
            assert np.abs(points[:, 2] - 0.04).max() < 1e-3
            assert np.hypot(*(points[:, :2].mean(axis=0) - (x, y))) < 0.002
            extent = points[:, :2].max(axis=0) - points[:, :2].min(axis=0)
            assert np.all(np.abs(extent - 0.04) < 0.004)
    finally:
        p.disconnect(client)
