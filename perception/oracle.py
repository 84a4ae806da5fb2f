"""Ground-truth detections for ablations: perception taken out of the loop.

The oracle does not know the simulator; the composition root hands it a callable such as
`world.oracle_detections`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from perception.detector import sort_detections
from perception.types import Detection, Frame


class OracleDetector:
    """Ignores the frame and returns what `source()` reports (sorted like any detector)."""

    def __init__(self, source: Callable[[], Iterable[Detection]]) -> None:
        self._source = source

    def detect(self, frame: Frame | None = None) -> tuple[Detection, ...]:
        return sort_detections(list(self._source()))
