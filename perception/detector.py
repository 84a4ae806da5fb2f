"""The detector seam: anything that turns a camera frame into detections; and the Scene that
perception hands the planner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from perception.types import Detection, Frame, Scene


@runtime_checkable
class Detector(Protocol):
    """Turns one RGB-D frame into the objects it shows (world frame, sorted deterministically)."""

    def detect(self, frame: Frame) -> tuple[Detection, ...]: ...


def sort_detections(detections: list[Detection] | tuple[Detection, ...]) -> tuple[Detection, ...]:
    """The canonical order: kind, colour, then position (x, y, z)."""
    return tuple(sorted(detections, key=lambda d: (d.kind, d.color, d.position)))


def perceive_scene(detector: Detector, frame: Frame,
                   locations: Mapping[str, tuple[float, float]]) -> Scene:
    """The Scene: what `detector` sees in `frame`, and the table's named locations (world xy)."""
    return Scene(tuple(detector.detect(frame)), dict(locations))
