"""Hand-eye solvers compared on the same views: `python -m tools.hand_eye_residuals`.

A ChArUco board fixed under the tool of the simulated cell, rendered by a camera whose pose the
solvers are not told, at random tool poses (seeded data sets, as tests/test_calibration.py makes
them). For each data set and solver it prints the residual (mean distance between the board
origin as the camera and as the arm see it, mm) and the recovered camera's error against the
truth (position mm, rotation degrees). The solvers: each of OpenCV's `calibrateHandEye` methods
(`perception.cameras.hand_eye`), and the one stackbot had before it, a Park-Martin rotation by
Kabsch over the pairs' rotation axes and a least-squares translation, kept here only as the
yardstick that decided for OpenCV (docs/results.md).
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence

import cv2
import numpy as np

from drivers.rotations import pose_to_matrix
from perception.cameras.charuco import BoardSpec, board_in_camera, find_board
from perception.cameras.hand_eye import METHODS, HandEyeResult, solve_eye_to_hand
from sim.camera import Camera
from sim.charuco import add_board, move_board, render_smooth
from sim.scene_gen import SceneSpec
from sim.world import World

CAMERA = Camera(position=(0.46, 0.05, 0.92), target=(0.53, 0.0, 0.0))  # unknown to the solvers
PREVIOUS = "previous (Kabsch)"


def views(seed: int, count: int, spec: BoardSpec) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Tool poses (4x4) and the board's pose in the camera in each rendered view."""
    rng = np.random.default_rng(seed)
    board_to_tool = np.eye(4)
    board_to_tool[:3, 3] = (-spec.size[0] / 2 + 0.01, -spec.size[1] / 2 - 0.02, 0.015)
    tools, boards = [], []
    with World() as world:
        world.reset(SceneSpec(blocks=()))
        board = add_board(world.client, spec, board_to_tool)
        while len(tools) < count:
            tool = pose_to_matrix((rng.uniform(0.4, 0.6), rng.uniform(-0.1, 0.1),
                                   rng.uniform(0.15, 0.3), np.pi + rng.uniform(-0.3, 0.3),
                                   rng.uniform(-0.3, 0.3), rng.uniform(-0.6, 0.6)))
            move_board(world.client, board, tool @ board_to_tool)
            rgb, k = render_smooth(CAMERA, world.client)
            view = find_board(spec, rgb)
            if view is None:  # the board left the picture: another pose
                continue
            tools.append(tool)
            boards.append(board_in_camera(view, k, np.zeros(5))[0])
    return tools, boards


def previous_solver(tool_to_base: Sequence[np.ndarray],
                    board_to_camera: Sequence[np.ndarray]) -> np.ndarray:
    """camera_to_base as stackbot solved it before OpenCV (commit 1a00e1d)."""
    a_axes, b_axes, pairs = [], [], []
    for i, j in itertools.combinations(range(len(tool_to_base)), 2):
        a = tool_to_base[j] @ np.linalg.inv(tool_to_base[i])
        b = board_to_camera[j] @ np.linalg.inv(board_to_camera[i])
        a_axis, b_axis = cv2.Rodrigues(a[:3, :3])[0].ravel(), cv2.Rodrigues(b[:3, :3])[0].ravel()
        if np.linalg.norm(a_axis) > np.radians(2.0):
            a_axes.append(a_axis)
            b_axes.append(b_axis)
            pairs.append((a, b))
    u, _, vt = np.linalg.svd(np.array(a_axes).T @ np.array(b_axes))
    rotation = u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
    lhs = np.concatenate([a[:3, :3] - np.eye(3) for a, _ in pairs])
    rhs = np.concatenate([rotation @ b[:3, 3] - a[:3, 3] for a, b in pairs])
    camera_to_base = np.eye(4)
    camera_to_base[:3, :3] = rotation
    camera_to_base[:3, 3] = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
    return camera_to_base


def residual_mm(camera_to_base: np.ndarray, tools: Sequence[np.ndarray],
                boards: Sequence[np.ndarray]) -> float:
    """As `solve_eye_to_hand` measures it, for any solver's camera_to_base."""
    board_to_tool = np.mean([np.linalg.inv(g) @ camera_to_base @ c
                             for g, c in zip(tools, boards, strict=True)], axis=0)[:, 3]
    seen = np.array([(camera_to_base @ c)[:3, 3] for c in boards])
    held = np.array([(g @ board_to_tool)[:3] for g in tools])
    return float(np.linalg.norm(seen - held, axis=1).mean() * 1000)


def errors(camera_to_base: np.ndarray) -> tuple[float, float]:
    truth = CAMERA.camera_to_world
    position = 1000 * float(np.linalg.norm(camera_to_base[:3, 3] - truth[:3, 3]))
    cos = (np.trace(camera_to_base[:3, :3].T @ truth[:3, :3]) - 1) / 2
    return position, float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=3, help="data sets (seeds 0..sets-1)")
    parser.add_argument("--views", type=int, default=8, help="tool poses per data set")
    args = parser.parse_args(argv)
    spec = BoardSpec()
    totals: dict[str, list[tuple[float, float, float]]] = {}
    print(f"{'set':>3}  {'solver':<18} {'residual mm':>11} {'position mm':>11} "
          f"{'rotation deg':>12}")
    for seed in range(args.sets):
        tools, boards = views(seed, args.views, spec)
        solved: dict[str, np.ndarray] = {PREVIOUS: previous_solver(tools, boards)}
        for method in METHODS:
            result: HandEyeResult = solve_eye_to_hand(tools, boards, method)
            solved[method] = result.camera_to_base
        for name, camera_to_base in solved.items():
            row = (residual_mm(camera_to_base, tools, boards), *errors(camera_to_base))
            totals.setdefault(name, []).append(row)
            print(f"{seed:>3}  {name:<18} {row[0]:>11.3f} {row[1]:>11.3f} {row[2]:>12.4f}")
    for name, rows in totals.items():
        mean = np.mean(rows, axis=0)
        print(f"{'all':>3}  {name:<18} {mean[0]:>11.3f} {mean[1]:>11.3f} {mean[2]:>12.4f}")


if __name__ == "__main__":
    main()
