"""Pictures a person would rather look at than read: detections drawn on the camera frame,
and one strip per episode (each step's frame with the chosen step written under it)."""

from __future__ import annotations

import cv2
import numpy as np

from perception.types import Frame, Scene

CAPTION_HEIGHT = 28


def project(frame: Frame, point: tuple[float, float, float]) -> tuple[int, int]:
    """Pixel (col, row) of a world point in this frame."""
    world_to_camera = np.linalg.inv(frame.camera_to_world)
    x, y, z = (world_to_camera @ np.array([*point, 1.0]))[:3]
    u = frame.intrinsics[0, 0] * x / z + frame.intrinsics[0, 2]
    v = frame.intrinsics[1, 1] * y / z + frame.intrinsics[1, 2]
    return int(round(u)), int(round(v))


def annotate(frame: Frame, scene: Scene) -> np.ndarray:
    """BGR image: every detection marked and labelled with its name and confidence."""
    image = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
    for obj in scene.objects:
        col, row = project(frame, obj.position)
        cv2.drawMarker(image, (col, row), (255, 255, 255), cv2.MARKER_CROSS, 14, 2)
        label = f"{obj.name} {obj.confidence:.2f}"
        cv2.putText(image, label, (col + 8, row - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(image, label, (col + 8, row - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (255, 255, 255), 1, cv2.LINE_AA)
    return image


def with_caption(image: np.ndarray, caption: str) -> np.ndarray:
    band = np.full((CAPTION_HEIGHT, image.shape[1], 3), 255, dtype=np.uint8)
    cv2.putText(band, caption, (6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([image, band])


def fitted(text: str, width: int, font_scale: float = 0.5) -> str:
    """`text`, cut short with "..." where it would not fit in `width` pixels."""
    def pixels(candidate: str) -> int:
        return cv2.getTextSize(candidate, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)[0][0]

    if pixels(text) <= width:
        return text
    while text and pixels(text + "...") > width:
        text = text[:-1]
    return text + "..."


def strip(panels: list[tuple[np.ndarray, str]], scale: float = 0.6, title: str = "") -> np.ndarray:
    """Captioned panels side by side, scaled down, under an optional title line."""
    resized = [
        with_caption(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA),
                     fitted(caption, int(image.shape[1] * scale) - 12))
        for image, caption in panels
    ]
    row = np.hstack(resized)
    if not title:
        return row
    band = with_caption(np.zeros((0, row.shape[1], 3), dtype=np.uint8),
                        fitted(title, row.shape[1] - 12))
    return np.vstack([band, row])
