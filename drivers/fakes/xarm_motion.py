"""The fake xArm controller's motions, report packets and tool-frame arithmetic (millimetres,
degrees, roll-pitch-yaw as the SDK's poses)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drivers.rotations import matrix_to_rpy, rpy_to_matrix

Pose = list[float]


@dataclass
class Report:
    """What one report packet carries."""

    time: float
    state: int
    error_code: int
    warn_code: int
    position: Pose
    angles: list[float]
    tcp_offset: Pose
    tcp_load: list[Any] = field(default_factory=list)


def compose(pose: Pose, offset: Pose) -> Pose:
    """`pose` (mm, degrees) followed by `offset` expressed in its frame."""
    rotation = rpy_to_matrix(*np.radians(pose[3:]))
    moved = rotation @ rpy_to_matrix(*np.radians(offset[3:]))
    xyz = np.asarray(pose[:3]) + rotation @ np.asarray(offset[:3])
    return [*map(float, xyz), *map(math.degrees, matrix_to_rpy(moved))]


def inverse(offset: Pose) -> Pose:
    rotation = rpy_to_matrix(*np.radians(offset[3:])).T
    return [*map(float, -rotation @ np.asarray(offset[:3])),
            *map(math.degrees, matrix_to_rpy(rotation))]
