"""Calibration in the simulator, where the truth is known: rendered views of a ChArUco board
(a textured quad in PyBullet DIRECT) through `stackbot-calibrate` and OpenCV's real calibration
functions; then RGB-only perception (`camera=files`, depth withheld) with what it recovered.

Run with `-s` to see the measured errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from hydra import compose, initialize_config_module

from agent.session import build
from drivers.rotations import pose_to_matrix
from perception.cameras.calibration import load_calibration
from perception.cameras.charuco import BoardSpec, board_on_table
from perception.opencv_detector import OpenCVDetector
from sim.camera import Camera
from sim.charuco import add_board, move_board, render_smooth
from sim.scene_gen import SceneSpec, random_scene_spec
from sim.world import World
from stackbot.calibrate import main as calibrate
from tests.arm_fakes import FAKE_XARM

pytestmark = pytest.mark.sim

SPEC = BoardSpec()
BOARD_ORIGIN = (0.68, 0.225, 0.001)  # the board's top-left corner, known to the calibration
BOARD_X_AXIS = (0.0, -1.0)
# The camera under calibration: its pose is what the calibration must find (never told).
UNKNOWN = Camera(position=(0.46, 0.05, 0.92), target=(0.53, 0.0, 0.0))
SMOOTHING = 3  # rendered at 3x and averaged down: anti-aliased edges, as a real sensor has
N_VIEWS, N_SCENES, N_HAND_EYE_VIEWS = 8, 20, 6


def intrinsics_views(world: World, centre: np.ndarray) -> list[np.ndarray]:
    """The board seen from around it, tilted 15-35 degrees, 0.6-0.8 m away."""
    rng = np.random.default_rng(0)
    images = []
    for i in range(N_VIEWS):
        azimuth = 2 * np.pi * i / N_VIEWS
        tilt, distance = np.radians(rng.uniform(15, 35)), rng.uniform(0.6, 0.8)
        position = centre + distance * np.array([np.sin(tilt) * np.cos(azimuth),
                                                 np.sin(tilt) * np.sin(azimuth), np.cos(tilt)])
        target = centre + np.r_[rng.uniform(-0.03, 0.03, 2), 0.0]
        camera = Camera(position=tuple(position), target=tuple(target),
                        up=(1.0, 0.3 * np.cos(3 * azimuth), 0.0))
        images.append(render_smooth(camera, world.client, SMOOTHING)[0])
    return images


def save(directory: Path, images: list[np.ndarray], stem: str = "view") -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        paths.append(str(directory / f"{stem}{i:03d}.png"))
        cv2.imwrite(paths[-1], image[:, :, ::-1])
    return paths


def rotation_error_deg(a: np.ndarray, b: np.ndarray) -> float:
    cos = (np.trace(a[:3, :3].T @ b[:3, :3]) - 1) / 2
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The calibration file `stackbot-calibrate` made, and the board image it was posed from."""
    directory = tmp_path_factory.mktemp("calibration")
    board_to_base = board_on_table(BOARD_ORIGIN, BOARD_X_AXIS)
    centre = board_to_base[:3, :3] @ np.array([*np.divide(SPEC.size, 2), 0]) + BOARD_ORIGIN
    with World() as world:
        world.reset(SceneSpec(blocks=()))
        add_board(world.client, SPEC, board_to_base, texture_dir=directory)
        views = save(directory / "views", intrinsics_views(world, centre))
        table = save(directory, [render_smooth(UNKNOWN, world.client, SMOOTHING)[0]], "table")[0]
    out = directory / "cell.yaml"
    calibrate(["intrinsics", *views, "--out", str(out)])
    placed = ["--calibration", str(out), "--board-origin", *map(str, BOARD_ORIGIN),
              "--board-x-axis", *map(str, BOARD_X_AXIS)]
    calibrate(["pose", table, *placed])
    yield out, Path(table)


def test_calibration_recovers_the_rendered_camera(calibrated: tuple[Path, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    calibration = load_calibration(calibrated[0])
    fine = Camera(width=UNKNOWN.width * SMOOTHING, height=UNKNOWN.height * SMOOTHING,
                  fov_deg=UNKNOWN.fov_deg)
    k_true = fine.intrinsics.copy()
    k_true[:2] /= SMOOTHING
    k_true[0, 2] -= 0.5
    k_true[1, 2] -= 0.5
    found = calibration.intrinsics[[0, 1, 0, 1], [0, 1, 2, 2]]
    expected = k_true[[0, 1, 0, 1], [0, 1, 2, 2]]
    relative = np.abs(found - expected) / expected
    position_mm = 1000 * np.linalg.norm(calibration.camera_to_base[:3, 3] - UNKNOWN.position)
    rotation = rotation_error_deg(calibration.camera_to_base, UNKNOWN.camera_to_world)
    with capsys.disabled():
        print(f"\ncalibration: fx fy cx cy off by {np.round(100 * relative, 3)} %, camera "
              f"position off by {position_mm:.2f} mm, rotation by {rotation:.3f} degrees")
    assert relative.max() < 0.01
    assert position_mm < 5.0
    assert rotation < 0.5


def test_verify_places_the_board_corners(calibrated: tuple[Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out, table = calibrated
    calibrate(["verify", str(table), "--calibration", str(out), "--board-origin",
               *map(str, BOARD_ORIGIN), "--board-x-axis", *map(str, BOARD_X_AXIS),
               "--arm", "robot=panda_sim"])
    printed = capsys.readouterr().out
    mean_mm = float(printed.split("error mean ")[1].split(" mm")[0])
    assert mean_mm < 3.0
    assert "dry run above 4 corners" in printed and printed.count("dry run: move_linear") == 4


def test_rgb_only_perception_with_the_recovered_calibration(
        calibrated: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`camera=files` replaying rendered scenes without their depth: rays meet the table."""
    truths = []
    with World() as world:
        images = []
        for seed in range(N_SCENES):
            world.reset(random_scene_spec(seed))
            images.append(UNKNOWN.render(world.client).rgb)  # as camera=sim renders
            truths.append({n: p.position for n, p in world.object_poses().items()})
    save(tmp_path / "frames", images, "scene")
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=[
            "camera=files", f"camera.directory={tmp_path / 'frames'}",
            f"camera.calibration={calibrated[0]}", "camera.use_depth=false"])
    camera, detector = build(cfg.camera), build(cfg.perception)
    errors = []
    for truth in truths:
        frame = camera.read()
        assert frame.depth is None
        seen = detector.detect(frame)
        assert sorted(d.name for d in seen) == sorted(truth)
        errors += [np.linalg.norm(np.subtract(d.position, truth[d.name])) for d in seen]
    mean_mm, worst_mm = 1000 * float(np.mean(errors)), 1000 * float(np.max(errors))
    with capsys.disabled():
        print(f"\nRGB-only perception, recovered calibration, {N_SCENES} scenes, {len(errors)} "
              f"objects: 3-D error mean {mean_mm:.2f} mm, max {worst_mm:.2f} mm")
    assert mean_mm < 5.0
    assert isinstance(detector, OpenCVDetector)


def test_hand_eye_from_the_board_held_by_the_arm(calibrated: tuple[Path, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The board fixed under the tool at poses the arm reports; the camera's pose from the views
    and those poses alone (the board's place on the tool is unknown to the calibration too)."""
    out = tmp_path / "hand_eye.yaml"
    out.write_text(calibrated[0].read_text())
    board_to_tool = np.eye(4)
    board_to_tool[:3, 3] = (-SPEC.size[0] / 2 + 0.01, -SPEC.size[1] / 2 - 0.02, 0.015)
    rng = np.random.default_rng(3)
    listed = []
    with World() as world:
        world.reset(SceneSpec(blocks=()))
        board = add_board(world.client, SPEC, board_to_tool, texture_dir=tmp_path)
        for i in range(N_HAND_EYE_VIEWS):
            tool_pose = (rng.uniform(0.4, 0.6), rng.uniform(-0.1, 0.1), rng.uniform(0.15, 0.3),
                         np.pi + rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3),
                         rng.uniform(-0.6, 0.6))
            move_board(world.client, board, pose_to_matrix(tool_pose) @ board_to_tool)
            image = save(tmp_path, [render_smooth(UNKNOWN, world.client, SMOOTHING)[0]],
                         f"held{i}_")[0]
            listed.append({"image": Path(image).name, "tool_pose": [float(v) for v in tool_pose]})
    views = tmp_path / "held.yaml"
    views.write_text(yaml.safe_dump(listed))
    calibrate(["hand-eye", str(views), "--calibration", str(out)])
    found = load_calibration(out).camera_to_base
    position_mm = 1000 * np.linalg.norm(found[:3, 3] - UNKNOWN.position)
    rotation = rotation_error_deg(found, UNKNOWN.camera_to_world)
    with capsys.disabled():
        print(f"\nhand-eye from {N_HAND_EYE_VIEWS} tool poses: camera position off by "
              f"{position_mm:.2f} mm, rotation by {rotation:.3f} degrees")
    assert position_mm < 5.0
    assert rotation < 0.5


class RecordingCamera:
    """The session's camera, every frame it hands out also saved (for replay)."""

    def __init__(self, camera, directory: Path) -> None:
        self.camera, self.directory, self.count = camera, directory, 0
        directory.mkdir(parents=True, exist_ok=True)

    def read(self):
        frame = self.camera.read()
        cv2.imwrite(str(self.directory / f"frame{self.count:03d}.png"), frame.rgb[:, :, ::-1])
        self.count += 1
        return frame

    def close(self) -> None:
        self.camera.close()


def run_demo(overrides: list[str], camera_wrapper=None) -> tuple[object, object]:
    from agent.session import open_session
    from skills.goals import In

    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused", "planner=scripted",
                                           "llm.model_path=/no/such.gguf", *overrides])
    session = open_session(cfg, load_model=False)
    try:
        if camera_wrapper is not None:
            session.camera = camera_wrapper(session.camera)
        session.reset(build(cfg.scene))
        session.planner.set_goal((In("red block", "blue bowl"),))
        with session.driver:
            episode = session.agent().run("put the red block in the blue bowl")
        return episode, session
    finally:
        session.close()


def test_the_demo_instruction_end_to_end_from_replayed_frames(
        calibrated: tuple[Path, Path], tmp_path: Path) -> None:
    """Recorded: the demo in the simulator, seen by the camera under calibration. Replayed:
    the xArm (its SDK fake) acting on those frames through `camera=files`, RGB only, placed by
    the recovered calibration; the step's effect is checked on the replayed frame after it."""
    unknown = [f"camera.position=[{','.join(map(str, UNKNOWN.position))}]",
               f"camera.target=[{','.join(map(str, UNKNOWN.target))}]"]
    frames = tmp_path / "frames"
    recorded, _ = run_demo(unknown, lambda camera: RecordingCamera(camera, frames))
    assert recorded.finished and not recorded.failed
    replayed, session = run_demo([
        "robot=xarm", *FAKE_XARM, "camera=files", f"camera.directory={frames}",
        f"camera.calibration={calibrated[0]}", "camera.use_depth=false"])
    assert replayed.finished and not replayed.failed, replayed.message
    assert [r.step.option.text for r in replayed.records] == [
        r.step.option.text for r in recorded.records]
    assert replayed.moved and replayed.records[0].frame_before.depth is None


def test_calibrate_errors_are_one_line(tmp_path: Path, calibrated: tuple[Path, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((480, 640, 3), 40, np.uint8))
    intrinsics_only = tmp_path / "intrinsics.yaml"
    placed = ["--board-origin", "0.6", "0.2", "0"]
    for argv, problem in (
            (["pose", str(blank), "--calibration", str(calibrated[0]), *placed],
             f"no ChArUco board (9x7 squares, DICT_4X4_50) found in {blank}"),
            (["intrinsics", str(blank), str(blank), str(blank), "--out", str(intrinsics_only)],
             "need at least 3 views of the board, got 0"),
            (["pose", str(calibrated[1]), "--calibration", str(tmp_path / "none.yaml"), *placed],
             "no intrinsics")):
        with pytest.raises(SystemExit) as exit_status:
            calibrate(argv)
        assert exit_status.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and problem in lines[0], lines
    data = yaml.safe_load(calibrated[0].read_text())
    del data["camera_to_base"]
    intrinsics_only.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="intrinsics only: stackbot-calibrate pose"):
        load_calibration(intrinsics_only)
