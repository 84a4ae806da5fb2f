"""Per-pixel colour classification against the object palette, robust to shading.

The renderer (and, roughly, a diffuse real scene) shows a surface of albedo `a` as `s * a` with a
shading factor `s` that depends on the surface normal. Chromaticity (r, g, b) / (r + g + b) does not
change with `s`, so pixels are matched to the nearest reference chromaticity; the implied shading
factor must also be plausible, which separates colours of similar hue but different brightness
(pink vs brown, gray vs white).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from perception.palette import PALETTE


class ColorClassifier:
    """Nearest-reference colour labels with a rejection threshold.

    references: colour name -> reference RGB in [0, 1] (default: the palette; pass measured
    values to calibrate for a particular camera and lighting).
    max_distance: largest accepted chromaticity distance; farther pixels are unlabelled.
    shade_range: accepted brightness of a pixel relative to its reference.
    """

    def __init__(self, references: Mapping[str, tuple[float, float, float]] | None = None,
                 max_distance: float = 0.03,
                 shade_range: tuple[float, float] = (0.35, 1.1)) -> None:
        refs = dict(references if references is not None else PALETTE)
        if not refs:
            raise ValueError("need at least one reference colour")
        if max_distance <= 0 or not 0 <= shade_range[0] < shade_range[1]:
            raise ValueError("bad colour thresholds")
        self.names: tuple[str, ...] = tuple(refs)
        rgb = np.array([refs[name] for name in self.names], dtype=np.float64) * 255.0
        self._ref_rgb = rgb
        self._ref_chroma = rgb / rgb.sum(axis=1, keepdims=True)
        self.max_distance = max_distance
        self.shade_range = shade_range

    def classify(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels (index into `names`, -1 = none) and chromaticity distances of N x 3 pixels."""
        pix = rgb.reshape(-1, 3).astype(np.float64)
        total = pix.sum(axis=1, keepdims=True)
        chroma = pix / np.maximum(total, 1.0)
        dist = np.linalg.norm(chroma[:, None, :] - self._ref_chroma[None, :, :], axis=2)
        shade = total / self._ref_rgb.sum(axis=1)[None, :]
        plausible = (shade >= self.shade_range[0]) & (shade <= self.shade_range[1])
        dist = np.where(plausible, dist, np.inf)
        labels = np.argmin(dist, axis=1)
        best = dist[np.arange(len(labels)), labels]
        labels = np.where(best <= self.max_distance, labels, -1)
        return labels, best
