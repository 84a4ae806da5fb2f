"""What `stackbot-calibrate` does: a camera's calibration file from views of a ChArUco board
(intrinsics, the camera's pose on the table or from the board held by the arm, a check that moves
the tool above the board's corners, colour ranges from clicks). The command line is
`stackbot/calibrate.py`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import yaml

from perception.cameras.calibration import (
    MAX_BYTES,
    CameraCalibration,
    load_calibration,
    read_calibration_data,
)
from perception.cameras.charuco import (
    BoardSpec,
    BoardView,
    board_in_camera,
    board_on_table,
    calibrate_intrinsics,
    camera_to_base_from_board,
    corners_on_board_plane,
    find_board,
)
from perception.input_files import InputFileError, load_yaml_file


def read_rgb(path: str | Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read the image {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def board_view(spec: BoardSpec, path: str | Path) -> tuple[BoardView, tuple[int, int]]:
    image = read_rgb(path)
    view = find_board(spec, image)
    if view is None:
        raise ValueError(f"no ChArUco board ({spec.squares[0]}x{spec.squares[1]} squares, "
                         f"{spec.dictionary}) found in {path}")
    return view, (image.shape[1], image.shape[0])


def run_intrinsics(spec: BoardSpec, images: Sequence[str], out: Path, pinhole: bool) -> str:
    views, sizes = [], set()
    for path in images:
        image = read_rgb(path)
        sizes.add((image.shape[1], image.shape[0]))
        if (view := find_board(spec, image)) is not None:
            views.append(view)
    if len(sizes) > 1:
        raise ValueError(f"the views have different sizes {sorted(sizes)}")
    size = sizes.pop()
    found = calibrate_intrinsics(views, size, fix_distortion=pinhole)
    text = CameraCalibration(size, found.matrix, found.distortion, np.eye(4), notes={
        "intrinsics_views": found.views, "intrinsics_rms_px": round(found.rms_px, 4)}).to_yaml()
    data = yaml.safe_load(text)
    del data["camera_to_base"]  # not known yet: `pose` adds it
    out.write_text("# stackbot camera intrinsics (stackbot-calibrate intrinsics); "
                   "stackbot-calibrate pose adds camera_to_base\n" + yaml.safe_dump(
                       data, sort_keys=False))
    return (f"intrinsics from {found.views} of {len(images)} views: fx {found.matrix[0, 0]:.2f} "
            f"fy {found.matrix[1, 1]:.2f} cx {found.matrix[0, 2]:.2f} cy {found.matrix[1, 2]:.2f}"
            f" px, reprojection RMS {found.rms_px:.3f} px -> {out}")


def load_intrinsics(path: Path) -> dict:
    data = read_calibration_data(path) if path.exists() else None
    if not isinstance(data, dict) or "intrinsics" not in data:
        raise ValueError(f"calibration file {path}: no intrinsics (stackbot-calibrate "
                         "intrinsics writes them)")
    return data


def run_pose(spec: BoardSpec, image: str, calibration: Path, board_to_base: np.ndarray,
             out: Path) -> str:
    data = load_intrinsics(calibration)
    matrix = np.asarray(data["intrinsics"], np.float64)
    distortion = np.asarray(data["distortion"], np.float64)
    view, size = board_view(spec, image)
    if list(size) != list(data["image_size"]):
        raise ValueError(f"{image} is {size[0]}x{size[1]}, the intrinsics are for "
                         f"{data['image_size'][0]}x{data['image_size'][1]}")
    camera_to_base, rms = camera_to_base_from_board(view, matrix, distortion, board_to_base)
    notes = dict(data.get("notes") or {})
    notes.update({"pose_method": "board on the table", "pose_rms_px": round(rms, 4),
                  "board_to_base": [[round(float(v), 6) for v in row] for row in board_to_base]})
    CameraCalibration(size, matrix, distortion, camera_to_base, notes=notes).save(out)
    x, y, z = camera_to_base[:3, 3]
    return (f"camera at ({x:.4f}, {y:.4f}, {z:.4f}) m in the base frame, board reprojection "
            f"RMS {rms:.3f} px -> {out}")


def run_hand_eye(spec: BoardSpec, views_file: Path, calibration: Path, out: Path) -> str:
    """camera-to-base from the board held by the arm: `views_file` lists {image, tool_pose:
    [x, y, z, roll, pitch, yaw]} (images relative to the file)."""
    from drivers.rotations import pose_to_matrix
    from perception.cameras.hand_eye import solve_eye_to_hand

    data = load_intrinsics(calibration)
    matrix = np.asarray(data["intrinsics"], np.float64)
    distortion = np.asarray(data["distortion"], np.float64)
    try:
        listed = load_yaml_file(views_file, "a views file", MAX_BYTES, max_depth=4)
    except InputFileError as error:
        raise ValueError(f"views file {views_file}: {error}") from None
    if not isinstance(listed, list) or not all(isinstance(v, dict) and {"image", "tool_pose"}
                                               <= set(v) for v in listed):
        raise ValueError(f"views file {views_file}: expected a list of {{image, tool_pose}}")
    tools, boards, worst_rms = [], [], 0.0
    for entry in listed:
        view, _ = board_view(spec, views_file.parent / entry["image"])
        board_to_camera, rms = board_in_camera(view, matrix, distortion)
        tools.append(pose_to_matrix(entry["tool_pose"]))
        boards.append(board_to_camera)
        worst_rms = max(worst_rms, rms)
    result = solve_eye_to_hand(tools, boards)
    notes = dict(data.get("notes") or {})
    notes.update({"pose_method": f"hand-eye (board held by the arm, cv2.calibrateHandEye "
                                 f"{result.method})", "hand_eye_views": len(tools),
                  "hand_eye_residual_mm": round(result.residual_mm, 3),
                  "pose_rms_px": round(worst_rms, 4)})
    size = tuple(data["image_size"])
    CameraCalibration(size, matrix, distortion, result.camera_to_base, notes=notes).save(out)
    x, y, z = result.camera_to_base[:3, 3]
    return (f"camera at ({x:.4f}, {y:.4f}, {z:.4f}) m in the base frame from {len(tools)} tool "
            f"poses ({result.method}), board seen vs held: {result.residual_mm:.2f} mm mean -> "
            f"{out}")


def verification_targets(seen: np.ndarray, hover: float) -> list[tuple[float, ...]]:
    """Tool poses (top down) `hover` metres above four spread-out corners as the camera sees
    them."""
    from skills.compiler_config import top_down

    centre = seen.mean(axis=0)
    angles = np.arctan2(seen[:, 1] - centre[1], seen[:, 0] - centre[0])
    picks = {int(np.argmin(np.abs(np.angle(np.exp(1j * (angles - a))))))
             for a in (-3 * np.pi / 4, -np.pi / 4, np.pi / 4, 3 * np.pi / 4)}
    return [top_down(float(seen[i, 0]), float(seen[i, 1]), float(seen[i, 2]) + hover, 0.0)
            for i in sorted(picks)]


def run_verify(spec: BoardSpec, image: str, calibration: Path, board_to_base: np.ndarray,
               robot_overrides: Sequence[str], move: bool, hover: float) -> str:
    loaded = load_calibration(calibration)
    view, _ = board_view(spec, image)
    seen, known = corners_on_board_plane(view, loaded.intrinsics, loaded.distortion,
                                         loaded.camera_to_base, board_to_base)
    errors = np.linalg.norm(seen - known, axis=1) * 1000
    report = (f"{len(errors)} board corners placed by the calibration: error mean "
              f"{errors.mean():.2f} mm, max {errors.max():.2f} mm (good: under 3 mm mean)")
    if robot_overrides:
        moved = move_above(verification_targets(seen, hover), robot_overrides, dry_run=not move)
        report += f"; tool {'moved' if move else 'dry run'} above {moved} corners"
    return report


def move_above(targets: list[tuple[float, ...]], overrides: Sequence[str], dry_run: bool) -> int:
    from agent.arms import build_arm
    from agent.config import build, compose_config, is_simulated

    cfg = compose_config([*overrides, f"safety.dry_run={str(dry_run).lower()}"])
    world = build(cfg.sim) if is_simulated(cfg.robot) else None  # a simulated arm's world
    try:
        with build_arm(cfg, world) as arm:
            for pose in targets:
                arm.move_linear(pose)
                print(f"tool above ({pose[0]:.3f}, {pose[1]:.3f}, {pose[2]:.3f}) m")
    finally:
        if world is not None:
            world.close()
    return len(targets)


def spec_of(args: argparse.Namespace) -> BoardSpec:
    return BoardSpec(tuple(args.squares), args.square, args.marker, args.dictionary)


def command_capture(args: argparse.Namespace) -> str:
    """Frames from any cv2.VideoCapture source into a directory, `--every` seconds apart (move
    the board between them), for `intrinsics` and `pose` (no calibration needed yet)."""
    import time

    source = int(args.source) if str(args.source).isdigit() else str(args.source)
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        raise ValueError(f"cannot open the camera {source!r}")
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for index in range(args.count):
            ok, bgr = capture.read()
            if not ok:
                raise ValueError(f"no frame from {source!r} after {index} of {args.count}")
            cv2.imwrite(str(args.out / f"view{index:03d}.png"), bgr)
            if index + 1 < args.count and args.every > 0:
                time.sleep(args.every)
    finally:
        capture.release()
    return f"{args.count} frames from {source!r} -> {args.out}"


def command_board(args: argparse.Namespace) -> str:
    spec = spec_of(args)
    cv2.imwrite(str(args.out), spec.image(args.dpi / 0.0254, margin=0.01))
    return (f"board {spec.size[0] * 1000:.0f} x {spec.size[1] * 1000:.0f} mm (+10 mm margin) "
            f"at {args.dpi:.0f} dpi -> {args.out}; print at 100 %, measure a square")


def command_intrinsics(args: argparse.Namespace) -> str:
    return run_intrinsics(spec_of(args), args.images, args.out, args.pinhole)


def command_pose(args: argparse.Namespace) -> str:
    return run_pose(spec_of(args), args.image, args.calibration,
                    board_on_table(args.board_origin, args.board_x_axis),
                    args.out or args.calibration)


def command_hand_eye(args: argparse.Namespace) -> str:
    return run_hand_eye(spec_of(args), args.views, args.calibration,
                        args.out or args.calibration)


def command_verify(args: argparse.Namespace) -> str:
    return run_verify(spec_of(args), args.image, args.calibration,
                      board_on_table(args.board_origin, args.board_x_axis), args.arm,
                      args.move, args.hover)


def command_colors(args: argparse.Namespace) -> str:
    from perception.hsv import colors_from_clicks, load_clicks
    from tools.color_picker import pick_clicks

    rgb = read_rgb(args.image)
    if args.clicks is not None:
        return colors_from_clicks(rgb, load_clicks(args.clicks), args.out, str(args.clicks))
    clicks = pick_clicks(rgb)
    if not clicks:
        raise ValueError("no colour was clicked")
    if args.save_clicks is not None:
        args.save_clicks.write_text(yaml.safe_dump(clicks, default_flow_style=None))
    return colors_from_clicks(rgb, clicks, args.out, "the clicks")
