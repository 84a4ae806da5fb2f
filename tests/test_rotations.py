"""drivers.rotations, the one home of rotations, against independent oracles: elementary rotation
matrices multiplied out, scipy's Rotation for the IK error (the one conversion computed by hand),
and the near top-down poses where the hand-written rotation vectors were off by 4e-4 rad."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from drivers.rotations import (
    QuaternionTarget,
    matrix_to_quaternion,
    matrix_to_rotvec,
    matrix_to_rpy,
    pose_to_matrix,
    quaternion_angle,
    rotvec_to_matrix,
    rotvec_to_rpy,
    rpy_to_matrix,
    rpy_to_quaternion,
    rpy_to_rotvec,
    slerp,
)


def rx(a: float) -> np.ndarray:
    return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])


def ry(a: float) -> np.ndarray:
    return np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])


def rz(a: float) -> np.ndarray:
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])


def axis_angle_matrix(rotvec: tuple[float, float, float]) -> np.ndarray:
    """Rodrigues' formula, written out: the oracle for rotation vectors."""
    angle = float(np.linalg.norm(rotvec))
    k = np.asarray(rotvec) / angle
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross


RNG = np.random.default_rng(7)
RPYS = [tuple(RNG.uniform([-math.pi, -1.5, -math.pi], [math.pi, 1.5, math.pi]))
        for _ in range(50)]
# Just off top-down (roll near pi): where acos of the trace lost 4e-4 rad.
NEAR_TOP_DOWN = [(math.pi - d, e, yaw) for d, e, yaw in
                 zip(10.0 ** RNG.uniform(-7, -3, 50), RNG.uniform(-1e-4, 1e-4, 50),
                     RNG.uniform(-math.pi, math.pi, 50), strict=True)]


@pytest.mark.parametrize("rpy", RPYS + NEAR_TOP_DOWN)
def test_roll_pitch_yaw_is_yaw_after_pitch_after_roll_about_fixed_axes(rpy: tuple) -> None:
    roll, pitch, yaw = rpy
    expected = rz(yaw) @ ry(pitch) @ rx(roll)
    assert np.abs(rpy_to_matrix(*rpy) - expected).max() < 1e-12
    assert np.abs(rpy_to_matrix(*matrix_to_rpy(expected)) - expected).max() < 1e-12
    assert np.abs(pose_to_matrix((1, 2, 3, *rpy))[:3, :3] - expected).max() < 1e-12
    x, y, z, w = rpy_to_quaternion(*rpy)
    assert matrix_to_quaternion(expected) == pytest.approx((x, y, z, w), abs=1e-12) or \
        matrix_to_quaternion(expected) == pytest.approx((-x, -y, -z, -w), abs=1e-12)


@pytest.mark.parametrize("rpy", RPYS + NEAR_TOP_DOWN)
def test_rotation_vectors_turn_by_the_same_rotation(rpy: tuple) -> None:
    expected = rpy_to_matrix(*rpy)
    rotvec = rpy_to_rotvec(*rpy)
    assert np.linalg.norm(rotvec) <= math.pi + 1e-12
    assert np.abs(axis_angle_matrix(rotvec) - expected).max() < 1e-12
    assert np.abs(rotvec_to_matrix(*rotvec) - expected).max() < 1e-12
    assert np.abs(rpy_to_matrix(*rotvec_to_rpy(*rotvec)) - expected).max() < 1e-12
    assert np.abs(axis_angle_matrix(matrix_to_rotvec(expected)) - expected).max() < 1e-12


def test_top_down_is_a_half_turn_about_x() -> None:
    assert rpy_to_rotvec(math.pi, 0.0, 0.0) == pytest.approx((math.pi, 0.0, 0.0), abs=1e-12)
    assert rpy_to_quaternion(math.pi, 0.0, 0.0) == pytest.approx((1.0, 0.0, 0.0, 0.0), abs=1e-12)


def test_gimbal_lock_gives_a_valid_answer_silently(recwarn: pytest.WarningsRecorder) -> None:
    expected = rz(0.3) @ ry(math.pi / 2) @ rx(0.2)
    assert np.abs(rpy_to_matrix(*matrix_to_rpy(expected)) - expected).max() < 1e-12
    assert not recwarn.list


def test_the_ik_error_is_scipy_s_rotation_vector() -> None:
    """QuaternionTarget.error is computed by hand (scipy's constructors cost too much inside IK):
    it must be the rotation vector of target * other^-1, the short way, within 1e-12."""
    worst = 0.0
    for i in range(300):
        target, other = Rotation.random(2, random_state=i)
        if i % 3 == 0:  # near: IK's last iterations
            other = target * Rotation.from_rotvec(RNG.normal(size=3) * 1e-6)
        if i % 5 == 0:  # nearly a half turn apart
            other = target * Rotation.from_rotvec(np.array([0.0, 1.0, 0.0]) * (math.pi - 1e-5))
        sign = -1 if i % 2 else 1  # q and -q are one orientation
        got = QuaternionTarget(target.as_quat()).error(sign * other.as_quat())
        expected = (target * other.inv()).as_rotvec()
        worst = max(worst, float(np.abs(got - expected).max()))
    assert worst < 1e-12
    unnormalised = 3.0 * Rotation.from_euler("z", 0.4).as_quat()
    assert QuaternionTarget(unnormalised).error((0, 0, 0, 1)) == pytest.approx((0, 0, 0.4))


def test_slerp_and_angle_take_the_short_way() -> None:
    a = np.array(rpy_to_quaternion(math.pi, 0.0, 0.0))
    b = np.array(rpy_to_quaternion(math.pi, 0.0, 0.8))
    assert quaternion_angle(a, b) == pytest.approx(0.8)
    assert quaternion_angle(a, -b) == pytest.approx(0.8)  # -b: the same orientation
    halfway = slerp(a, -b, 0.5)
    assert quaternion_angle(halfway, rpy_to_quaternion(math.pi, 0.0, 0.4)) < 1e-12
    steps = slerp(a, b, np.array([0.0, 0.25, 1.0]))
    assert steps.shape == (3, 4)
    assert [quaternion_angle(a, q) for q in steps] == pytest.approx([0.0, 0.2, 0.8])
