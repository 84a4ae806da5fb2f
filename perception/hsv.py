"""Colour thresholds as HSV ranges, for a real camera and its lighting (`perception.colors=FILE`).

The file is YAML: colour name -> {h: [lo, hi], s: [lo, hi], v: [lo, hi]} in OpenCV's HSV (h in
0-179, s and v in 0-255); h lo > hi wraps through 0 (red). `stackbot-calibrate colors` writes
one from labelled clicks on a frame (`colors_from_clicks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
import yaml

from perception.input_files import InputFileError, load_yaml_file
from perception.types import COLOR_NAMES

MAX_BYTES = 1 << 20  # a colour or clicks file is a few hundred bytes

CLICK_WINDOW = 2  # pixels around a click: a 5x5 sample
HUE_MARGIN, SATURATION_MARGIN = 6, 30
SHADE_LOW, SHADE_HIGH = 0.5, 1.15  # of the clicked brightness: the object's darker sides count


class HSVColorClassifier:
    """Labels pixels by the first-best matching HSV range (`ranges`: name -> (h_lo, h_hi, s_lo,
    s_hi, v_lo, v_hi)); same interface as `perception.color.ColorClassifier`."""

    def __init__(self, ranges: Mapping[str, tuple[int, int, int, int, int, int]]) -> None:
        if not ranges:
            raise ValueError("need at least one colour range")
        self.names = tuple(ranges)
        self.ranges = np.array([ranges[name] for name in self.names], dtype=np.float64)

    @classmethod
    def load(cls, path: str | Path) -> HSVColorClassifier:
        path = Path(path)
        try:
            data = load_yaml_file(path, "a colour file", MAX_BYTES, max_depth=3)
        except InputFileError as error:
            raise ValueError(f"colour file {path}: {error}") from None
        if not isinstance(data, dict) or not data:
            raise ValueError(f"colour file {path}: expected colour name -> h, s, v ranges")
        ranges = {}
        for name, value in data.items():
            if name not in COLOR_NAMES:
                raise ValueError(f"colour file {path}: unknown colour {name!r}")
            try:
                ranges[name] = tuple(int(v) for key in "hsv" for v in value[key])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"colour file {path}: {name} needs h, s and v as [lo, hi]"
                                 ) from None
            if len(ranges[name]) != 6:
                raise ValueError(f"colour file {path}: {name} needs h, s and v as [lo, hi]")
        return cls(ranges)

    def classify(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels (index into `names`, -1 = none) and hue distances to each label's centre."""
        hsv = cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV)
        h, s, v = (hsv.reshape(-1, 3).astype(np.float64)[:, i, None] for i in range(3))
        h_lo, h_hi, s_lo, s_hi, v_lo, v_hi = (self.ranges[:, i][None, :] for i in range(6))
        wraps = h_lo > h_hi
        in_hue = np.where(wraps, (h >= h_lo) | (h <= h_hi), (h >= h_lo) & (h <= h_hi))
        inside = in_hue & (s >= s_lo) & (s <= s_hi) & (v >= v_lo) & (v <= v_hi)
        centre = np.where(wraps, (h_lo + h_hi + 180) / 2 % 180, (h_lo + h_hi) / 2)
        distance = np.abs((h - centre + 90) % 180 - 90)
        distance = np.where(inside, distance, np.inf)
        labels = np.argmin(distance, axis=1)
        best = distance[np.arange(len(labels)), labels]
        return np.where(np.isfinite(best), labels, -1), best


def load_clicks(path: Path) -> dict[str, list[list[int]]]:
    """A clicks file: YAML colour name -> [[column, row], ...]."""
    try:
        clicks = load_yaml_file(path, "a clicks file", MAX_BYTES, max_depth=4)
    except InputFileError as error:
        raise ValueError(f"clicks file {path}: {error}") from None
    if not isinstance(clicks, dict) or not clicks:
        raise ValueError(f"clicks file {path}: expected colour name -> [[column, row]]")
    return clicks


def colors_from_clicks(rgb: np.ndarray, clicks: Mapping[str, list[list[int]]], out: Path,
                       clicks_path: str = "clicks") -> str:
    """HSV ranges around the pixels clicked on each colour (colour name -> [[column, row],
    ...]; `clicks_path` names where they came from in errors) written to `out`; returns what
    was written."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    height, width = hsv.shape[:2]
    ranges = {}
    for name, points in clicks.items():
        if name not in COLOR_NAMES:
            raise ValueError(f"clicks file {clicks_path}: unknown colour {name!r}")
        samples = []
        for col, row in points:
            if not (0 <= col < width and 0 <= row < height):
                raise ValueError(f"clicks file {clicks_path}: {name} click ({col}, {row}) is "
                                 f"outside the {width}x{height} image")
            window = hsv[max(0, row - CLICK_WINDOW):row + CLICK_WINDOW + 1,
                         max(0, col - CLICK_WINDOW):col + CLICK_WINDOW + 1]
            samples.append(window.reshape(-1, 3))
        ranges[name] = _range(np.concatenate(samples).astype(np.float64))
    out.write_text("# HSV ranges (OpenCV: h 0-179, s and v 0-255), stackbot-calibrate colors\n"
                   + yaml.safe_dump(ranges, sort_keys=False, default_flow_style=None))
    return f"HSV ranges for {', '.join(ranges)} -> {out}"


def _range(samples: np.ndarray) -> dict[str, list[int]]:
    angles = samples[:, 0] * np.pi / 90.0
    mean_hue = np.degrees(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean())) / 2 % 180
    offsets = (samples[:, 0] - mean_hue + 90) % 180 - 90
    lo = (mean_hue + offsets.min() - HUE_MARGIN) % 180
    hi = (mean_hue + offsets.max() + HUE_MARGIN) % 180
    s_lo, s_hi = np.percentile(samples[:, 1], [2, 98])
    v_lo, v_hi = np.percentile(samples[:, 2], [2, 98])
    return {"h": [int(round(lo)), int(round(hi))],
            "s": [int(max(0, s_lo - SATURATION_MARGIN)), int(min(255, s_hi + SATURATION_MARGIN))],
            "v": [int(max(0, SHADE_LOW * v_lo)), int(min(255, SHADE_HIGH * v_hi))]}
