"""`perception.colors=FILE`: HSV ranges picked from labelled clicks on a rendered frame
(`stackbot-calibrate colors`) replace the palette, and the detector still finds every object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from perception.hsv import HSVColorClassifier
from perception.opencv_detector import OpenCVDetector
from sim.camera import Camera
from sim.scene_gen import SceneSpec
from sim.world import World
from stackbot.calibrate import main as calibrate

CAMERA = Camera(width=320, height=240)
SCENES = (SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "pink"), seed=1),
          SceneSpec(blocks=("yellow", "red"), bowls=("pink", "green", "blue"), seed=5))


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with World() as w:
        yield w


def clicks_on(world: World) -> dict[str, list[list[int]]]:
    """A person's clicks: each block's top face, each bowl's floor and inner wall."""
    clicks: dict[str, list[list[int]]] = {}
    for name, pose in world.object_poses().items():
        color, kind = name.split()
        x, y, z = pose.position
        points = ([[x, y, z + 0.02]] if kind == "block" else
                  [[x, y, 0.006], [x + 0.05, y, 0.022], [x - 0.05, y, 0.022]])
        pixels = np.round(CAMERA.project(np.array(points))).astype(int)
        clicks.setdefault(color, []).extend(pixels.tolist())
    return clicks


@pytest.mark.sim
def test_colours_picked_from_clicks_find_every_object(world: World, tmp_path: Path) -> None:
    world.reset(SCENES[0])
    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), CAMERA.render(world.client).rgb[:, :, ::-1])
    clicks = tmp_path / "clicks.yaml"
    clicks.write_text(yaml.safe_dump(clicks_on(world)))
    colors = tmp_path / "colors.yaml"
    calibrate(["colors", str(image), "--clicks", str(clicks), "--out", str(colors)])
    detector = OpenCVDetector(colors=str(colors))
    assert set(detector.colors.names) == {"red", "green", "yellow", "blue", "pink"}
    for spec in SCENES:  # the frame it was picked on, and another layout of the same objects
        world.reset(spec)
        found = detector.detect(CAMERA.render(world.client))
        truth = {n: p.position for n, p in world.object_poses().items()}
        assert sorted(d.name for d in found) == sorted(truth)
        assert max(np.linalg.norm(np.subtract(d.position, truth[d.name])) for d in found) < 0.01


def test_hsv_ranges_wrap_through_red() -> None:
    classifier = HSVColorClassifier({"red": (170, 8, 100, 255, 50, 255),
                                     "green": (50, 70, 100, 255, 50, 255)})
    labels, _ = classifier.classify(np.array([[255, 20, 30], [255, 30, 10], [20, 200, 20],
                                              [40, 40, 43], [20, 20, 255]], np.uint8))
    assert [classifier.names[i] if i >= 0 else None for i in labels] == [
        "red", "red", "green", None, None]


@pytest.mark.parametrize("content, problem", [
    ("purple-ish: {h: [1, 2], s: [1, 2], v: [1, 2]}", "unknown colour"),
    ("red: {h: [1, 2], s: [1, 2]}", "red needs h, s and v"),
    ("[1, 2]", "expected colour name"),
])
def test_bad_colour_files_are_rejected(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "colors.yaml"
    path.write_text(content)
    with pytest.raises(ValueError, match=problem) as caught:
        HSVColorClassifier.load(path)
    assert str(path) in str(caught.value)


def test_picking_colours_without_a_display_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), np.zeros((24, 32, 3), np.uint8))
    with pytest.raises(SystemExit) as exit_status:
        calibrate(["colors", str(image), "--out", str(tmp_path / "colors.yaml")])
    assert exit_status.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "needs a display" in lines[0] and "--clicks" in lines[0]
