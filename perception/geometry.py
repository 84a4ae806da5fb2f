"""Image and point-set geometry used by the OpenCV detector."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class WorldMaps:
    """Per-pixel world coordinates of one frame and the metres one pixel spans at its depth."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    pixel_size: np.ndarray

    @classmethod
    def from_frame(cls, frame) -> WorldMaps:  # frame: perception.types.Frame
        h, w = frame.depth.shape
        rows, cols = np.indices((h, w))
        points = frame.back_project(rows.ravel(), cols.ravel()).reshape(h, w, 3)
        f = 0.5 * (frame.intrinsics[0, 0] + frame.intrinsics[1, 1])
        return cls(points[..., 0], points[..., 1], points[..., 2],
                   frame.depth.astype(np.float64) / f)

    def area(self, mask: np.ndarray) -> float:
        """Footprint of the masked pixels in square metres (as seen from the camera)."""
        return float(np.sum(self.pixel_size[mask] ** 2))

    def pixels(self, length: float, mask: np.ndarray) -> int:
        """About how many pixels `length` metres spans at the depth of the masked pixels."""
        return max(1, int(round(length / float(np.median(self.pixel_size[mask])))))


def flat_pixels(z: np.ndarray, pixel_size: np.ndarray, max_slope: float) -> np.ndarray:
    """Pixels whose four neighbours all lie within `max_slope * pixel_size` in height."""
    tol = max_slope * pixel_size
    flat = np.ones(z.shape, bool)
    dv = np.abs(np.diff(z, axis=0))
    dh = np.abs(np.diff(z, axis=1))
    flat[1:, :] &= dv <= tol[1:, :]
    flat[:-1, :] &= dv <= tol[:-1, :]
    flat[:, 1:] &= dh <= tol[:, 1:]
    flat[:, :-1] &= dh <= tol[:, :-1]
    flat[[0, -1], :] = False
    flat[:, [0, -1]] = False
    return flat


def components(mask: np.ndarray, min_pixels: int) -> list[np.ndarray]:
    """8-connected components with at least `min_pixels` pixels, as boolean masks."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8),
                                                               connectivity=8)
    return [labels == label for label in range(1, count)
            if stats[label, cv2.CC_STAT_AREA] >= min_pixels]


def fill_holes(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool) | mask


def dilate(mask: np.ndarray, radius_px: int) -> np.ndarray:
    if radius_px <= 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1, 2 * radius_px + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def rect_sides(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """Side lengths (short, long) of the minimum-area rectangle around world points (metres)."""
    pts = np.stack([xs, ys], axis=1).astype(np.float32)
    (_, _), (w, h), _ = cv2.minAreaRect(pts)
    return (float(min(w, h)), float(max(w, h)))


def fit_circle(xs: np.ndarray, ys: np.ndarray,
               rounds: int = 3) -> tuple[float, float, float, float]:
    """Least-squares circle (Kasa) with outlier trimming: centre x, y, radius, RMS residual.

    Works on arcs, so a partly hidden ring still gives its centre.
    """
    keep = np.ones(xs.shape, bool)
    cx = cy = radius = float("nan")
    residual = float("inf")
    for _ in range(rounds):
        if keep.sum() < 8:
            return float("nan"), float("nan"), float("nan"), float("inf")
        x, y = xs[keep], ys[keep]
        a = np.stack([x, y, np.ones_like(x)], axis=1)
        (p, q, r), *_ = np.linalg.lstsq(a, x ** 2 + y ** 2, rcond=None)
        cx, cy = p / 2.0, q / 2.0
        radius = float(np.sqrt(max(r + cx ** 2 + cy ** 2, 0.0)))
        errors = np.hypot(xs - cx, ys - cy) - radius
        residual = float(np.sqrt(np.mean(errors[keep] ** 2)))
        keep = np.abs(errors) <= max(3.0 * residual, 0.002)
    return float(cx), float(cy), radius, residual
