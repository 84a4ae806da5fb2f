"""Perception on real rendered frames of the real simulated world (PyBullet DIRECT, no mocks).

Run with `-s` to see the measured position errors and per-frame times.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from perception.color import ColorClassifier
from perception.detector import Detector
from perception.opencv_detector import OpenCVDetector
from perception.oracle import OracleDetector
from perception.palette import PALETTE
from perception.types import COLOR_NAMES, Detection
from sim.camera import Camera
from sim.scene_gen import SceneSpec, random_scene_spec
from sim.world import World

N_SCENES = 24


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with World() as w:
        yield w


@pytest.fixture(scope="module")
def camera() -> Camera:
    return Camera()


@pytest.fixture(scope="module")
def detector() -> OpenCVDetector:
    return OpenCVDetector()


def _errors(world: World, detections: tuple[Detection, ...]) -> dict[str, float]:
    """Position error per object; asserts that exactly the world's objects were found."""
    truth = {name: pose.position for name, pose in world.object_poses().items()}
    names = [d.name for d in detections]
    assert sorted(names) == sorted(truth), f"found {sorted(names)}, expected {sorted(truth)}"
    for d in detections:
        assert 0.0 <= d.confidence <= 1.0
    return {d.name: float(np.linalg.norm(np.subtract(d.position, truth[d.name])))
            for d in detections}


def test_palette_matches_shared_colour_names() -> None:
    assert set(PALETTE) == set(COLOR_NAMES)


@pytest.mark.parametrize("shade", [0.4, 0.55, 0.75, 0.95, 1.05])
def test_colour_classifier_tells_all_ten_apart_under_shading(shade: float) -> None:
    classifier = ColorClassifier()
    pixels = np.array([[round(255 * shade * c) for c in PALETTE[name]] for name in
                       classifier.names])
    labels, _ = classifier.classify(np.clip(pixels, 0, 255).astype(np.uint8))
    assert [classifier.names[i] for i in labels] == list(classifier.names)


def test_colour_classifier_rejects_foreign_colours() -> None:
    labels, _ = ColorClassifier().classify(np.array(
        [[40, 40, 43], [255, 255, 255], [10, 10, 10], [0, 0, 255]], np.uint8))
    assert list(labels) == [-1, -1, -1, -1]  # table, white arm, black, saturated blue


def test_detectors_satisfy_protocol(world: World) -> None:
    assert isinstance(OpenCVDetector(), Detector)
    assert isinstance(OracleDetector(world.oracle_detections), Detector)


@pytest.mark.sim
def test_oracle_returns_ground_truth_sorted(world: World) -> None:
    world.reset(random_scene_spec(7))
    detections = OracleDetector(world.oracle_detections).detect(None)
    assert sorted(d.name for d in detections) == sorted(world.object_names)
    assert list(detections) == sorted(detections, key=lambda d: (d.kind, d.color, d.position))


@pytest.mark.sim
def test_random_scenes(world: World, camera: Camera, detector: OpenCVDetector) -> None:
    errors: list[float] = []
    render_s: list[float] = []
    detect_s: list[float] = []
    for seed in range(N_SCENES):
        world.reset(random_scene_spec(seed, n_blocks=(2, 5), n_bowls=(1, 4)))
        t0 = time.perf_counter()
        frame = camera.render(world.client)
        t1 = time.perf_counter()
        detections = detector.detect(frame)
        t2 = time.perf_counter()
        render_s.append(t1 - t0)
        detect_s.append(t2 - t1)
        errors.extend(_errors(world, detections).values())
        assert detections == detector.detect(frame)  # deterministic
    mean, worst = float(np.mean(errors)), float(np.max(errors))
    print(f"\nperception over {N_SCENES} scenes, {len(errors)} objects: position error "
          f"mean {mean * 1000:.2f} mm, max {worst * 1000:.2f} mm; per frame: render "
          f"{np.mean(render_s) * 1000:.0f} ms, detect {np.mean(detect_s) * 1000:.0f} ms")
    assert mean < 0.01
    assert worst < 0.02


@pytest.mark.sim
def test_all_ten_colours_in_one_scene(world: World, camera: Camera,
                                      detector: OpenCVDetector) -> None:
    first, second = COLOR_NAMES[:5], COLOR_NAMES[5:]
    for blocks, bowls, seed in ((first, second, 3), (second, first, 4)):
        world.reset(SceneSpec(blocks=blocks, bowls=bowls, seed=seed))
        errors = _errors(world, detector.detect(camera.render(world.client)))
        assert max(errors.values()) < 0.005


@pytest.mark.sim
@pytest.mark.parametrize("block_color", ["red", "blue"])
def test_block_inside_a_bowl(world: World, camera: Camera, detector: OpenCVDetector,
                             block_color: str) -> None:
    """A red block in the red bowl (one colour region) and a blue block in it."""
    world.reset(SceneSpec(blocks=(block_color, "green"), bowls=("red",), seed=11))
    bx, by, _ = world.object_pose("red bowl").position
    floor = world.bowl.floor_height
    world.set_object_pose(f"{block_color} block", (bx + 0.012, by - 0.008,
                                                   floor + world.block.size / 2 + 1e-3), yaw=0.4)
    world.step(120)
    assert world.is_in(f"{block_color} block", "red bowl")
    detections = detector.detect(camera.render(world.client))
    errors = _errors(world, detections)
    assert max(errors.values()) < 0.005
    block = next(d for d in detections if d.name == f"{block_color} block")
    assert abs(block.position[2] - (floor + world.block.size / 2)) < 0.003


@pytest.mark.sim
def test_stacked_blocks(world: World, camera: Camera, detector: OpenCVDetector) -> None:
    """The top block is seen; blocks under it are inferred from the strips of their sides."""
    world.reset(SceneSpec(blocks=("red", "blue", "yellow"), bowls=("green",), seed=6))
    x, y, _ = world.object_pose("red block").position
    size = world.block.size
    for level, name in enumerate(("red block", "blue block", "yellow block")):
        world.set_object_pose(name, (x, y, size / 2 + level * (size + 5e-4) + 5e-4))
    world.step(120)
    assert world.is_on("blue block", "red block") and world.is_on("yellow block", "blue block")
    detections = detector.detect(camera.render(world.client))
    errors = _errors(world, detections)
    assert max(errors.values()) < 0.005
    by_name = {d.name: d for d in detections}
    assert by_name["yellow block"].confidence > 0.8
    assert by_name["red block"].confidence < by_name["yellow block"].confidence


@pytest.mark.sim
def test_empty_table(world: World, camera: Camera, detector: OpenCVDetector) -> None:
    world.reset(SceneSpec(blocks=()))
    assert detector.detect(camera.render(world.client)) == ()


def test_the_opencv_config_file_holds_the_detector_defaults() -> None:
    from hydra import compose, initialize_config_module
    from hydra.utils import instantiate

    from perception.opencv_config import OpenCVDetectorConfig

    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=["instruction=unused"])
        tuned = compose("config", overrides=["instruction=unused",
                                             "perception.config.min_height=0.005"])
    assert instantiate(cfg.perception, _convert_="all").config == OpenCVDetectorConfig()
    assert instantiate(tuned.perception, _convert_="all").config.min_height == 0.005


@pytest.mark.parametrize("bad", [{"workspace_bounds": (0.7, 0.3, -0.3, 0.3)},
                                 {"min_height": 0.4}, {"min_bowl_area": 0.05},
                                 {"bowl_radius_range": (0.1, 0.05)}, {"min_pixels": 0},
                                 {"shade_range": (0.35,)}])
def test_opencv_config_refuses_bad_thresholds(bad: dict[str, object]) -> None:
    from perception.opencv_config import OpenCVDetectorConfig

    with pytest.raises(ValueError):
        OpenCVDetectorConfig(**bad)  # type: ignore[arg-type]


def test_thresholds_as_keyword_arguments_are_deprecated() -> None:
    from perception.opencv_config import OpenCVDetectorConfig

    with pytest.warns(DeprecationWarning, match=r"perception\.config\."):
        detector = OpenCVDetector(min_height=0.005)  # type: ignore[call-arg]
    assert detector.config == OpenCVDetectorConfig(min_height=0.005)
