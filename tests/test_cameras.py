"""Camera sources (`camera=files|opencv|realsense`, the sim camera without depth), the
calibration file, and RGB-only perception on rendered frames (PyBullet DIRECT, real OpenCV)."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from hydra.errors import InstantiationException

from perception.cameras.base import CameraUnavailable
from perception.cameras.calibration import CalibrationError, CameraCalibration, load_calibration
from perception.cameras.fakes.pyrealsense2 import FakeRealSense
from perception.cameras.files import FilesCamera
from perception.cameras.opencv import OpenCVCamera
from perception.cameras.realsense import RealSenseCamera
from perception.opencv_detector import OpenCVDetector
from perception.types import Frame
from sim.camera import Camera
from sim.scene_gen import random_scene_spec
from sim.world import World
from tests.arm_fakes import FAKE_XARM, XARM_GRIPPER, tool_overrides

SMALL = Camera(width=320, height=240)


def truth_calibration(camera: Camera) -> CameraCalibration:
    """What a perfect calibration of the rendered camera would write (OpenCV pixel centres)."""
    k = camera.intrinsics.copy()
    k[0, 2] -= 0.5
    k[1, 2] -= 0.5
    return CameraCalibration((camera.width, camera.height), k, np.zeros(5),
                             camera.camera_to_world)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with World() as w:
        yield w


@pytest.fixture(scope="module")
def rendered(world: World) -> list[Frame]:
    frames = []
    for seed in range(3):
        world.reset(random_scene_spec(seed))
        frames.append(SMALL.render(world.client))
    return frames


@pytest.fixture
def calibration_file(tmp_path: Path) -> Path:
    return truth_calibration(SMALL).save(tmp_path / "calibration.yaml")


def write_frames(directory: Path, frames: list[Frame], depth: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(directory / f"frame{i:03d}.png"), frame.rgb[:, :, ::-1])
        if depth:
            cv2.imwrite(str(directory / f"frame{i:03d}_depth_mm.png"),
                        np.round(frame.depth * 1000).astype(np.uint16))
    return directory


def names(detections) -> list[str]:
    return [d.name for d in detections]


def test_calibration_round_trip(calibration_file: Path) -> None:
    loaded = load_calibration(calibration_file)
    np.testing.assert_allclose(loaded.frame_intrinsics, SMALL.intrinsics)
    np.testing.assert_allclose(loaded.camera_to_base, SMALL.camera_to_world)


@pytest.mark.parametrize("edit, problem", [
    (lambda d: d.pop("intrinsics"), "missing key(s) intrinsics"),
    (lambda d: d.pop("camera_to_base"), "missing key(s) camera_to_base"),
    (lambda d: d["camera_to_base"][0].__setitem__(0, 1.5), "not orthonormal"),
    (lambda d: d["camera_to_base"][0].__setitem__(0, -1.0), "not orthonormal"),
    (lambda d: d.__setitem__("intrinsics", [[1, 0], [0, 1]]), "3x3"),
    (lambda d: d.__setitem__("distortion", [0.1, 0.2]), "distortion"),
])
def test_bad_calibration_files_are_rejected_naming_file_and_problem(
        calibration_file: Path, edit, problem: str) -> None:
    data = yaml.safe_load(calibration_file.read_text())
    edit(data)
    calibration_file.write_text(yaml.safe_dump(data))
    with pytest.raises(CalibrationError) as caught:
        load_calibration(calibration_file)
    assert str(calibration_file) in str(caught.value) and problem in str(caught.value)


def test_a_calibration_file_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match="no such file"):
        load_calibration(tmp_path / "nope.yaml")


@pytest.mark.sim
def test_files_replay_rgbd_and_rgb_only(tmp_path: Path, rendered: list[Frame],
                                        calibration_file: Path) -> None:
    directory = write_frames(tmp_path / "frames", rendered)
    detector = OpenCVDetector()
    with_depth = FilesCamera(directory, calibration_file)
    rgb_only = FilesCamera(directory, calibration_file, use_depth=False)
    for frame in rendered:
        expected = names(detector.detect(frame))
        replayed, withheld = with_depth.read(), rgb_only.read()
        assert replayed.depth is not None and withheld.depth is None
        assert names(detector.detect(replayed)) == expected
        assert names(detector.detect(withheld)) == expected
    assert rgb_only.read().rgb.tobytes() == rendered[-1].rgb.tobytes()  # holds the last


@pytest.mark.sim
def test_opencv_source_reads_a_video_as_the_sim_source_sees_it(
        tmp_path: Path, rendered: list[Frame], calibration_file: Path) -> None:
    """A lossless video of rendered frames: the same detections as the frames themselves with
    their depth withheld (RGB only), and the same objects as with depth."""
    video = write_video(tmp_path / "frames.avi", rendered)
    source = OpenCVCamera(str(video), str(calibration_file))
    detector = OpenCVDetector()
    for frame in rendered:
        seen = detector.detect(source.read())
        sim_rgb_only = detector.detect(replace(frame, depth=None))
        assert names(seen) == names(sim_rgb_only) == names(detector.detect(frame))
        np.testing.assert_allclose([d.position for d in seen],
                                   [d.position for d in sim_rgb_only], atol=1e-6)
    with pytest.raises(CameraUnavailable, match="no frame"):
        source.read()
    source.close()


def test_sources_that_cannot_open(tmp_path: Path, calibration_file: Path) -> None:
    with pytest.raises(CameraUnavailable, match="cannot open"):
        OpenCVCamera(str(tmp_path / "missing.avi"), str(calibration_file))
    with pytest.raises(CameraUnavailable, match="no directory"):
        FilesCamera(tmp_path / "none", calibration_file)
    with pytest.raises(CameraUnavailable, match="camera.calibration"):
        FilesCamera(tmp_path, None)
    with pytest.raises(CameraUnavailable, match="No device connected"):
        RealSenseCamera(str(calibration_file), sdk=FakeRealSense(frames=None))
    with pytest.raises(CameraUnavailable, match="pyrealsense2 is not installed"):
        RealSenseCamera(str(calibration_file))


@pytest.mark.sim
def test_realsense_source_against_the_fake_sdk(rendered: list[Frame],
                                               calibration_file: Path) -> None:
    frames = iter(rendered)

    def next_frame() -> tuple[np.ndarray, np.ndarray]:
        frame = next(frames)
        return frame.rgb[:, :, ::-1], np.round(frame.depth * 1000).astype(np.uint16)

    sdk = FakeRealSense(next_frame, frames_before_timeout=len(rendered))
    source = RealSenseCamera(str(calibration_file), sdk=sdk)
    detector = OpenCVDetector()
    for frame in rendered:
        seen = source.read()
        assert seen.depth is not None and seen.timestamp > 0
        np.testing.assert_allclose(seen.depth, frame.depth, atol=0.0006)
        assert names(detector.detect(seen)) == names(detector.detect(frame))
    with pytest.raises(CameraUnavailable, match="didn't arrive"):
        source.read()
    source.close()
    assert sdk.stopped == 1


def test_realsense_depth_at_the_size_the_device_offers(tmp_path: Path) -> None:
    """A 1920x1080 calibration on a D435: colour at 1920x1080, depth at 1280x720 (the D4xx has
    no 1080p depth; asking for it fails to start), aligned to colour by rs.align."""
    k = np.array([[1380.0, 0.0, 959.5], [0.0, 1380.0, 539.5], [0.0, 0.0, 1.0]])
    calibration = CameraCalibration((1920, 1080), k, np.zeros(5), np.eye(4)).save(
        tmp_path / "hd.yaml")
    depth = np.full((1080, 1920), 800, np.uint16)
    depth[:, 960:] = 650  # a step the resampling must keep in place
    sdk = FakeRealSense(lambda: (np.zeros((1080, 1920, 3), np.uint8), depth))
    source = RealSenseCamera(str(calibration), sdk=sdk)
    streams = sdk.configs[-1].streams
    assert streams[sdk.stream.depth][:2] == (1280, 720) == source.depth_size
    assert streams[sdk.stream.color][:2] == (1920, 1080)
    frame = source.read()
    assert frame.depth is not None and frame.depth.shape == (1080, 1920)
    np.testing.assert_allclose(frame.depth[:, :958], 0.8, atol=1e-6)
    np.testing.assert_allclose(frame.depth[:, 962:], 0.65, atol=1e-6)
    source.close()


def test_realsense_colour_at_a_size_the_device_lacks(tmp_path: Path) -> None:
    k = np.array([[1380.0, 0.0, 959.5], [0.0, 1380.0, 539.5], [0.0, 0.0, 1.0]])
    calibration = CameraCalibration((1920, 1080), k, np.zeros(5), np.eye(4)).save(
        tmp_path / "hd.yaml")
    sdk = FakeRealSense(lambda: (np.zeros((800, 1280, 3), np.uint8),
                                 np.zeros((800, 1280), np.uint16)), model="D455")
    with pytest.raises(CameraUnavailable) as refused:
        RealSenseCamera(str(calibration), sdk=sdk)
    assert str(refused.value) == (
        "camera realsense: the Intel RealSense D455 has no 1920x1080 colour stream at 30 fps (it "
        "has 1280x800, 1280x720, 848x480, 640x480, 640x360, 480x270, 424x240): calibrate at one "
        "of those sizes")
    assert sdk.started == 0


@pytest.mark.parametrize(("colour", "depth"), [
    ((320, 240), (640, 480)), ((1280, 800), (1280, 720)), ((640, 480), (640, 480)),
    ((1920, 1080), (1280, 720)), ((424, 240), (424, 240))])
def test_the_depth_size_nearest_the_colour(colour: tuple[int, int],
                                          depth: tuple[int, int]) -> None:
    from perception.cameras.fakes.realsense_profiles import DEPTH_D4XX
    from perception.cameras.realsense import nearest_size

    assert nearest_size(colour, [s for s, rates in DEPTH_D4XX.items() if 30 in rates]) == depth


def compose_run(*overrides: str):
    from hydra import compose, initialize_config_module

    with initialize_config_module("conf", version_base="1.3"):
        return compose("config", overrides=["instruction=unused", "planner=scripted",
                                            "llm.model_path=/no/such.gguf", *overrides])


@pytest.mark.sim
def test_a_real_arm_with_a_real_camera_perceives_the_real_table(
        tmp_path: Path, rendered: list[Frame], calibration_file: Path) -> None:
    from agent.cell import RealTable
    from agent.session import build, open_session
    from tools.command import REAL_TABLE_SCENE, describe_table

    directory = write_frames(tmp_path / "frames", rendered, depth=False)
    cfg = compose_run("robot=xarm", *FAKE_XARM, "camera=files", f"camera.directory={directory}",
                      f"camera.calibration={calibration_file}")
    session = open_session(cfg, load_model=False)
    try:
        assert isinstance(session.world, RealTable)
        assert describe_table(session, build(cfg.scene)) == REAL_TABLE_SCENE  # no sim scene
        frame, scene = session.perceive()
        assert frame.depth is None
        assert [o.name for o in scene.objects] == names(OpenCVDetector().detect(rendered[0]))
        assert "middle" in scene.locations
    finally:
        session.close()


def test_a_simulated_arm_with_a_real_camera_is_refused(calibration_file: Path) -> None:
    from agent.arms import SimulatedArmError
    from agent.session import open_session

    for robot in ("panda_sim", "xarm6_sim"):
        cfg = compose_run(f"robot={robot}", "camera=opencv", "camera.source=0",
                          f"camera.calibration={calibration_file}")
        with pytest.raises(SimulatedArmError, match="sees a real table .* simulated world"):
            open_session(cfg, load_model=False)


def test_a_camera_that_cannot_open_stops_before_the_arm_is_built(
        tmp_path: Path, calibration_file: Path) -> None:
    from agent.session import open_session

    cfg = compose_run("robot=xarm", "robot.ip=127.0.0.1", *tool_overrides(XARM_GRIPPER),
                      "camera=opencv",
                      f"camera.source={tmp_path / 'missing.avi'}",
                      f"camera.calibration={calibration_file}")
    with pytest.raises(InstantiationException) as caught:  # Hydra's wrapper, unwrapped by the CLI
        open_session(cfg, load_model=False)  # the xArm SDK is not installed: it would say so
    assert isinstance(caught.value.__cause__, CameraUnavailable)
    assert "cannot open" in str(caught.value.__cause__)


def test_the_command_line_says_a_camera_cannot_open_in_one_line(
        tmp_path: Path, calibration_file: Path) -> None:
    from tests.test_cli_errors import assert_nothing_ran, assert_one_line_error, run_cli

    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", "robot=xarm",
                     "planner=scripted", "camera=opencv", "camera.source=/dev/no-such-camera",
                     f"camera.calibration={calibration_file}")
    assert_one_line_error(result, "camera opencv: cannot open", "/dev/no-such-camera")
    assert_nothing_ran(tmp_path)


def test_the_real_cell_config(tmp_path: Path, calibration_file: Path) -> None:
    cfg = compose_run("cell=xarm_realsense", f"camera.calibration={calibration_file}")
    assert cfg.robot._target_ == "drivers.xarm.XArmDriver"
    assert cfg.camera._target_ == "perception.cameras.realsense.RealSenseCamera"
    assert cfg.safety.confirm is True and cfg.perception.colors is None
    from tests.test_cli_errors import assert_nothing_ran, assert_one_line_error, run_cli

    command = ["instruction=put the red block in the blue bowl", "cell=xarm_realsense",
               "planner=scripted"]
    assert_one_line_error(run_cli(tmp_path, *command), "camera.calibration must be given")
    no_device = "camera.sdk={_target_:perception.cameras.fakes.pyrealsense2.FakeRealSense}"
    assert_one_line_error(run_cli(tmp_path, *command, f"camera.calibration={calibration_file}",
                                  no_device),
                          "camera realsense: cannot start (No device connected)")
    assert_nothing_ran(tmp_path)


@pytest.mark.sim
def test_calibrate_capture_saves_frames_from_an_opencv_source(tmp_path: Path,
                                                              rendered: list[Frame]) -> None:
    from stackbot.calibrate import main as calibrate

    video = write_video(tmp_path / "frames.avi", rendered)
    calibrate(["capture", str(tmp_path / "views"), "--source", str(video), "--count",
               str(len(rendered)), "--every", "0"])
    saved = sorted((tmp_path / "views").glob("view*.png"))
    assert [cv2.imread(str(p))[:, :, ::-1].tobytes() for p in saved] == [
        f.rgb.tobytes() for f in rendered]
    with pytest.raises(SystemExit):
        calibrate(["capture", str(tmp_path / "more"), "--source", str(video), "--count",
                   str(len(rendered) + 1), "--every", "0"])


def test_an_rgb_only_frame_crosses_the_arm_server_protocol() -> None:
    from remote.protocol import frame_from_json, frame_to_json

    frame = Frame(np.full((4, 6, 3), 7, np.uint8), None, np.eye(3), np.eye(4), "opencv")
    back = frame_from_json(frame_to_json(frame))
    assert back.depth is None and back.rgb.tobytes() == frame.rgb.tobytes()
    with_depth = replace(frame, depth=np.ones((4, 6), np.float32))
    np.testing.assert_array_equal(frame_from_json(frame_to_json(with_depth)).depth,
                                  with_depth.depth)


def write_video(path: Path, frames: list[Frame]) -> Path:
    """A lossless video (FFV1) of the frames' RGB images."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), 5,
                             (SMALL.width, SMALL.height))
    for frame in frames:
        writer.write(frame.rgb[:, :, ::-1])
    writer.release()
    return path


# ----------------------------------------------------------------------------- hostile files

def png_claiming(path: Path, width: int, height: int) -> Path:
    """A small PNG whose header claims width x height (its pixel data is a few bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(bytes(4096))) + chunk(b"IEND", b""))
    return path


# Each level names the one before ten times: nine levels are 10^9 numbers from 700 bytes.
LAUGHS = ("image_size: [320, 240]\nnotes:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"  {name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)))


def hostile_calibration(tmp_path: Path, good: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.yaml"
    if kind == "aliases":
        path.write_text(LAUGHS)
    elif kind == "dev-zero-link":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "over-the-cap":
        with path.open("wb") as file:
            file.truncate((1 << 20) + 1)
    else:  # image_size: [.inf, 480]
        data = yaml.safe_load(good.read_text())
        data["image_size"] = [float("inf"), 480]
        path.write_text(yaml.safe_dump(data))
    return path


HOSTILE = [("aliases", "line 4: YAML aliases (*a) are not allowed in a calibration file"),
           ("dev-zero-link", "not a regular file"), ("directory", "cannot read: Is a directory"),
           ("binary", "not UTF-8 text"), ("over-the-cap", "larger than 1,048,576 bytes"),
           ("image-size-inf", "image_size must be [width, height] in whole pixels")]


@pytest.mark.parametrize(("kind", "problem"), HOSTILE, ids=[k for k, _ in HOSTILE])
def test_a_hostile_calibration_file_is_one_error_naming_it(
        tmp_path: Path, calibration_file: Path, kind: str, problem: str) -> None:
    """Read as task files are: no aliases (9 levels of them were a MemoryError), no more than
    1 MB (/dev/zero grew to 23 GB), one line naming the file. In a child process with 1 GB of
    address space, so the old behaviour fails instead of exhausting the machine."""
    path = hostile_calibration(tmp_path, calibration_file, kind)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
            "from perception.cameras.calibration import CalibrationError, load_calibration\n"
            "try: load_calibration(sys.argv[1])\n"
            "except CalibrationError as error: print(error)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().startswith(f"calibration file {path}: {problem}"), done.stdout
    assert len(done.stdout.strip().splitlines()) == 1


@pytest.mark.parametrize(("width", "height", "problem"), [
    (20000, 20000, "is 20000x20000 but the calibration is for 320x240"),
    (100000, 100000, "is 100000x100000 but the calibration is for 320x240"),
    (0, 0, "cannot read")])
def test_an_image_is_checked_by_its_header_before_it_is_decoded(
        tmp_path: Path, calibration_file: Path, width: int, height: int, problem: str) -> None:
    """A PNG of a few kilobytes claiming 20000x20000 took 2.4 GB and 9.6 s before "the
    calibration is for 640x480"; one claiming 100000x100000 was a cv2.error. In a child process
    with 1 GB of address space: decoding first cannot pass."""
    directory = tmp_path / "frames"
    directory.mkdir()
    png_claiming(directory / "frame000.png", width, height)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
            "from perception.cameras.base import CameraUnavailable\n"
            "from perception.cameras.files import FilesCamera\n"
            "try: FilesCamera(sys.argv[1], sys.argv[2]).read()\n"
            "except CameraUnavailable as error: print(error)\n")
    done = subprocess.run([sys.executable, "-c", code, str(directory), str(calibration_file)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    line = done.stdout.strip()
    assert line.startswith("camera files: ") and problem in line and "\n" not in line, line
    assert str(directory / "frame000.png") in line


@pytest.mark.parametrize(("kind", "problem"), [
    ("directory", "cannot read: Is a directory"), ("binary", "not UTF-8 text"),
    ("image-size-inf", "image_size must be"),
    ("png-header", "is 100000x100000 but the calibration is for 320x240"),
    ("source-7", "camera opencv: cannot open 7")])
def test_the_command_line_says_what_is_wrong_with_the_camera_in_one_line(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, calibration_file: Path,
        kind: str, problem: str) -> None:
    from tests.test_cli_errors import assert_nothing_ran, assert_one_line_error, run_cli

    camera = ["camera=opencv", "camera.source=/dev/no-such-camera"]
    calibration = calibration_file
    if kind == "source-7":
        camera = ["camera=opencv", "camera.source=7"]
    elif kind == "png-header":
        frames = tmp_path_factory.mktemp("frames")  # not where the command runs
        png_claiming(frames / "frame000.png", 100000, 100000)
        camera = ["camera=files", f"camera.directory={frames}", *FAKE_XARM]
    else:
        calibration = hostile_calibration(tmp_path, calibration_file, kind)
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", "robot=xarm",
                     "planner=scripted", *camera, f"camera.calibration={calibration}")
    assert_one_line_error(result, problem)
    if kind not in ("png-header", "source-7"):
        assert str(calibration) in result.stderr
    assert_nothing_ran(tmp_path)
