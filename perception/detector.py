"""The detector seam: anything that turns a camera frame into detections."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from perception.types import Detection, Frame


@runtime_checkable
class Detector(Protocol):
    """Turns one RGB-D frame into the objects it shows (world frame, sorted deterministically)."""

    def detect(self, frame: Frame) -> tuple[Detection, ...]: ...


def sort_detections(detections: list[Detection] | tuple[Detection, ...]) -> tuple[Detection, ...]:
    """The canonical order: kind, colour, then position (x, y, z)."""
    return tuple(sorted(detections, key=lambda d: (d.kind, d.color, d.position)))
