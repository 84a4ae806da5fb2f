"""What the simulator needs to know about each arm's URDF (pybullet_data models)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArmModel:
    """Where things are in an arm's URDF. The tool point (TCP) is `tcp_link`'s origin."""

    name: str
    urdf: str
    arm_joints: tuple[int, ...]
    finger_joints: tuple[int, ...]
    tcp_link: int
    home: tuple[float, ...]
    rest: tuple[float, ...]  # null-space bias for IK: a comfortable working posture
    finger_open: float  # per-finger joint position when open


PANDA = ArmModel(
    name="panda",
    urdf="franka_panda/panda.urdf",
    arm_joints=(0, 1, 2, 3, 4, 5, 6),
    finger_joints=(9, 10),
    tcp_link=11,  # panda_grasptarget: between the fingertips, 1.1 cm above their ends
    # Retracted toward the base and high: outside a top-down camera's view of the workspace.
    home=(0.0, -1.3, 0.0, -2.9, 0.0, 1.6, 0.785),
    rest=(0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785),
    finger_open=0.04,
)
MODELS = {"panda": PANDA}
