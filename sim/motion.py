"""Motions of the simulated arms, planned as joint positions at every physics step.

A joint move interpolates in joint space. A linear move solves IK for the goal, then at waypoints
along the straight line (position interpolated, orientation slerped), each seeded by the one
before, and densifies the waypoints to physics steps under the joint speed limits. Both follow a
smoothstep profile, whose peak speed is 1.5 times its mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pybullet as p

from drivers import Pose, UnreachableError
from drivers.rotations import quaternion_angle, slerp
from sim.ik import ArmIK, IKResult

PEAK_OVER_MEAN = 1.5  # smoothstep
STEPS_PER_WAYPOINT = 4  # physics steps between two IK waypoints of a linear move
MIN_LINEAR_DURATION = 0.05  # seconds (before the smoothstep stretch)
SNAP_TO_GOAL = 0.05  # rad: a last waypoint this close to the goal's IK solution becomes it

IKCheck = Callable[[IKResult, float], bool]  # (result, tolerance slack) -> good enough?


def joint_path(start: np.ndarray, goal: np.ndarray, speeds: np.ndarray,
               time_step: float) -> np.ndarray:
    """Joint positions at every physics step from `start` to `goal`, no joint faster than its
    entry of `speeds` (rad/s)."""
    duration = PEAK_OVER_MEAN * float(np.max(np.abs(goal - start) / speeds))
    n = max(1, math.ceil(duration / time_step))
    s = smoothstep(np.arange(1, n + 1) / n)
    return start + s[:, None] * (goal - start)


def linear_path(ik: ArmIK, pose: Pose, start: np.ndarray, linear_speed: float,
                angular_speed: float, joint_speeds: np.ndarray, time_step: float,
                ik_ok: IKCheck) -> tuple[np.ndarray, np.ndarray]:
    """The tool on a straight line to `pose` (world frame) from the joints `start` (the arm's
    current ones): joint positions at every physics step, and the joints it settles at.
    UnreachableError if the goal or a waypoint has no IK solution within tolerance (3 times the
    tolerance for waypoints)."""
    pos, orn = np.array(pose[:3], dtype=float), np.array(p.getQuaternionFromEuler(pose[3:]))
    goal = ik.solve(pos, orn, start)
    if not ik_ok(goal, 1.0):
        raise UnreachableError(
            f"no IK solution for {format_pose(pose)} (error {goal.position_error * 1000:.1f} "
            f"mm, {goal.orientation_error:.3f} rad)")
    p0, o0 = ik.tool_pose()
    dist, angle = float(np.linalg.norm(pos - p0)), quaternion_angle(o0, orn)
    duration = PEAK_OVER_MEAN * max(dist / linear_speed, angle / angular_speed,
                                    MIN_LINEAR_DURATION)
    n = max(1, math.ceil(duration / (STEPS_PER_WAYPOINT * time_step)))
    waypoints, q = [start], start
    fractions = smoothstep(np.arange(1, n + 1) / n)
    for s, orientation in zip(fractions, slerp(o0, orn, fractions), strict=True):
        step = ik.solve(p0 + s * (pos - p0), orientation, q, global_search=False)
        if not ik_ok(step, 3.0):
            raise UnreachableError(f"the straight line to {format_pose(pose)} leaves the reach")
        q = step.joints
        waypoints.append(q)
    if np.abs(goal.joints - q).max() < SNAP_TO_GOAL:
        waypoints[-1] = goal.joints
    path = densify(waypoints, STEPS_PER_WAYPOINT, joint_speeds, time_step)
    return path, waypoints[-1]


def smoothstep(s: np.ndarray) -> np.ndarray:
    return s * s * (3 - 2 * s)


def densify(waypoints: list[np.ndarray], sub: int, vmax: np.ndarray, dt: float) -> np.ndarray:
    """Joint targets for every physics step: `sub` steps per waypoint, more where a joint
    would otherwise exceed its speed limit."""
    out = []
    for a, b in zip(waypoints, waypoints[1:], strict=False):
        k = max(sub, math.ceil(float(np.max(np.abs(b - a) / vmax)) / dt))
        out.extend(a + (b - a) * (i / k) for i in range(1, k + 1))
    return np.array(out) if out else np.array(waypoints[-1:])


def format_pose(pose: Pose) -> str:
    return "(" + ", ".join(f"{v:.3f}" for v in pose) + ")"
