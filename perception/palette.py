"""The ten object colours (Code-as-Policies palette), as linear RGB in [0, 1].

The simulator paints objects with these; the OpenCV detector calibrates against them.
"""

from __future__ import annotations

PALETTE: dict[str, tuple[float, float, float]] = {
    "blue": (78 / 255, 121 / 255, 167 / 255),
    "red": (255 / 255, 87 / 255, 89 / 255),
    "green": (89 / 255, 169 / 255, 79 / 255),
    "orange": (242 / 255, 142 / 255, 43 / 255),
    "yellow": (237 / 255, 201 / 255, 72 / 255),
    "purple": (176 / 255, 122 / 255, 161 / 255),
    "pink": (255 / 255, 157 / 255, 167 / 255),
    "cyan": (118 / 255, 183 / 255, 178 / 255),
    "brown": (156 / 255, 117 / 255, 95 / 255),
    "gray": (186 / 255, 176 / 255, 172 / 255),
}
