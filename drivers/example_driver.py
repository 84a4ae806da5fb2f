"""A complete minimal third-party driver: the template for plugging in your own arm.

`GantryDriver` is a toy 4-axis gantry (x, y, z in metres and yaw in radians; its "joints" are
those four axes) kept in memory. It satisfies `ArmDriver` and nothing in stackbot knows it:
`conf/robot/example_gantry.yaml` names it in `_target_` and `robot=example_gantry` selects it.
Replace the bodies of the methods with calls to your arm's SDK. It records every command it
receives in `commands`, so tests can tell what reached the arm.
"""

from __future__ import annotations

import math
import time

from drivers.base import (
    EMERGENCY_STOP,
    ArmConnectionError,
    ArmDriver,
    ArmFault,
    ArmInfo,
    ArmState,
    LimitError,
    Pose,
    UnreachableError,
)

DOWN = (math.pi, 0.0)  # the gantry's tool always points down: roll = pi, pitch = 0


class GantryDriver(ArmDriver):
    """`GantryDriver(reach_min, reach_max, speed, grasp_height, seconds_per_metre)`.

    A grasp holds something when the gripper closes at or below `grasp_height` (a stand-in for a
    real gripper's width or force reading). `seconds_per_metre` > 0 makes moves take time.
    """

    def __init__(
        self,
        reach_min: tuple[float, float, float] = (0.0, -0.5, 0.0),
        reach_max: tuple[float, float, float] = (1.0, 0.5, 0.6),
        speed: float = 0.5,
        grasp_height: float = 0.05,
        seconds_per_metre: float = 0.0,
    ) -> None:
        self.reach_min, self.reach_max = tuple(reach_min), tuple(reach_max)
        self.speed, self.grasp_height = speed, grasp_height
        self.seconds_per_metre = seconds_per_metre
        self.commands: list[str] = []
        self._axes = [0.1, 0.0, 0.4, 0.0]  # x, y, z, yaw
        self._scale, self._gripper, self._holding = 1.0, 0.08, False
        self._fault: str | None = None
        self._connected = False

    @property
    def info(self) -> ArmInfo:
        return ArmInfo(
            name="example_gantry", dof=4,
            joint_lower=(*self.reach_min, -math.pi), joint_upper=(*self.reach_max, math.pi),
            max_joint_speed=(self.speed,) * 3 + (2.0,), home_joints=(0.1, 0.0, 0.4, 0.0),
            max_linear_speed=self.speed)

    def connect(self) -> None:
        self.commands.append("connect")
        self._connected = True

    def close(self) -> None:
        self.commands.append("close")
        self._connected = False

    def get_state(self) -> ArmState:
        x, y, z, yaw = self._axes
        return ArmState(joints=tuple(self._axes), tool_pose=(x, y, z, *DOWN, yaw),
                        gripper_width=self._gripper, holding=self._holding, moving=False,
                        fault=self._fault, timestamp=time.time())

    def move_joints(self, joints: tuple[float, ...], speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        self._ready(f"move_joints {tuple(round(v, 4) for v in joints)}")
        info = self.info
        if len(joints) != 4 or any(not lo <= q <= hi for q, lo, hi in
                                   zip(joints, info.joint_lower, info.joint_upper, strict=True)):
            raise LimitError(f"gantry axes out of range: {joints}")
        self._travel(list(joints), speed)

    def move_linear(self, pose: Pose, speed: float | None = None,
                    accel: float | None = None, timeout: float | None = None) -> None:
        self._ready(f"move_linear {tuple(round(v, 4) for v in pose)}")
        if not self.is_reachable(pose):
            raise UnreachableError(f"the gantry cannot reach {pose}")
        self._travel([pose[0], pose[1], pose[2], pose[5]], speed)

    def is_reachable(self, pose: Pose) -> bool:
        inside = all(lo <= v <= hi for v, lo, hi in zip(pose[:3], self.reach_min,
                                                        self.reach_max, strict=True))
        tilt = abs(math.remainder(pose[3] - DOWN[0], 2 * math.pi)) + abs(pose[4])
        return inside and tilt < 1e-3

    def tool_pose_for(self, joints: tuple[float, ...]) -> Pose | None:
        x, y, z, yaw = joints  # the gantry's axes are the tool pose
        return (x, y, z, *DOWN, yaw)

    def gripper_open(self) -> None:
        self._ready("gripper_open")
        self._gripper, self._holding = 0.08, False

    def gripper_close(self) -> bool:
        self._ready("gripper_close")
        self._holding = self._axes[2] <= self.grasp_height
        self._gripper = 0.04 if self._holding else 0.0
        return self._holding

    def stop(self) -> None:
        self.commands.append("stop")

    def emergency_stop(self) -> None:
        self.commands.append("emergency_stop")
        self._fault = EMERGENCY_STOP

    def clear_fault(self) -> None:
        self.commands.append("clear_fault")
        self._fault = None

    def set_speed_scale(self, scale: float) -> None:
        if not 0.0 < scale <= 1.0:
            raise LimitError(f"speed scale must be in (0, 1], got {scale}")
        self._scale = scale

    def _ready(self, command: str) -> None:
        self.commands.append(command)
        if not self._connected:
            raise ArmConnectionError("gantry not connected; use `with driver:`")
        if self._fault:
            raise ArmFault(f"gantry in fault ({self._fault}); call clear_fault()")

    def _travel(self, target: list[float], speed: float | None) -> None:
        distance = math.dist(self._axes[:3], target[:3])
        if self.seconds_per_metre > 0:
            time.sleep(distance * self.seconds_per_metre / self._scale)
        self._axes = target
