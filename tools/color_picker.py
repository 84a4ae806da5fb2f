"""Clicking on the objects of each colour in a frame, for `stackbot-calibrate colors`."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import cv2
import numpy as np

from perception.types import COLOR_NAMES

WINDOW = "stackbot-calibrate colors"
ENTER, ESCAPE = (10, 13), 27


def display_unavailable() -> str | None:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return ("picking colours needs a display (DISPLAY is not set): pass --clicks FILE, "
                "colour name -> [[column, row], ...]")
    return None


def pick_clicks(rgb: np.ndarray, names: Sequence[str] = COLOR_NAMES) -> dict[str, list[list[int]]]:
    """For each colour in turn: left-click on its objects (top faces, bowl floors), Enter for
    the next colour (none clicked: skipped), Esc to finish."""
    if problem := display_unavailable():
        raise ValueError(problem)
    clicks: dict[str, list[list[int]]] = {}
    current: list[list[int]] = []

    def on_mouse(event: int, col: int, row: int, *_: object) -> None:
        if event == cv2.EVENT_LBUTTONDOWN:
            current.append([int(col), int(row)])

    cv2.namedWindow(WINDOW)
    cv2.setMouseCallback(WINDOW, on_mouse)
    try:
        for name in names:
            current.clear()
            key = _collect(rgb, name, current)
            if current:
                clicks[name] = list(current)
            if key == ESCAPE:
                break
    finally:
        cv2.destroyWindow(WINDOW)
    return clicks


def _collect(rgb: np.ndarray, name: str, current: list[list[int]]) -> int:
    while True:
        shown = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        for col, row in current:
            cv2.circle(shown, (col, row), 4, (255, 255, 255), 1)
        cv2.putText(shown, f"click the {name} objects; Enter: next colour, Esc: finish",
                    (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        cv2.imshow(WINDOW, shown)
        key = cv2.waitKey(50) & 0xFF
        if key in ENTER or key == ESCAPE:
            return key
