"""The simulated arms (pybullet_data's Franka Panda and xArm 6) through the ArmDriver contract.

Every motion (planned by `sim.motion`) steps the physics with joint position control until it
converges or a timeout in simulated time passes. Grasping is pure friction: the fingers squeeze,
nothing is attached.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pybullet as p
import pybullet_data

from drivers import (
    EMERGENCY_STOP,
    ArmConnectionError,
    ArmDriver,
    ArmFault,
    ArmInfo,
    ArmState,
    ArmTimeout,
    LimitError,
    MotionInterrupted,
    Pose,
)
from sim.arm_models import MODELS
from sim.gripper import SimGripper
from sim.ik import ArmIK, IKResult
from sim.motion import joint_path, linear_path
from sim.world import World


class SimArmDriver(ArmDriver):
    """`SimArmDriver(world, model)` loads the arm `model` (a key of `sim.arm_models.MODELS`).

    The sim arm's base frame is the table (world) frame: every pose (`move_linear`,
    `is_reachable`, `get_state().tool_pose`) is in it, whatever the model's mount position (the
    Panda stands at the origin; a shorter arm stands nearer the workspace, an internal offset).
    `gripper_force` overrides the model's finger force (N, or N m for a revolute drive).

    speed arguments: `move_joints` takes rad/s (fastest joint), `move_linear` m/s; both are
    multiplied by the speed scale. Timeouts are in simulated seconds. Motions follow a smoothstep
    profile, so `accel` is accepted and not used. `stop()` from another thread (a server's
    watchdog) interrupts a running motion, which then raises MotionInterrupted; a motion counts as
    running from the moment its call begins (also while it is still being planned), and only a
    call that begins after the stop moves the arm again.
    """

    def __init__(
        self,
        world: World,
        model: str = "panda",
        joint_speed: float = 1.5,
        linear_speed: float = 0.35,
        angular_speed: float = 1.5,
        gripper_force: float | None = None,
        ik_position_tolerance: float = 0.003,
        ik_orientation_tolerance: float = 0.03,
        min_tcp_height: float = 0.0,
        settle_timeout: float = 1.5,
    ) -> None:
        if model not in MODELS:
            raise ValueError(f"unknown arm model {model!r}; have {sorted(MODELS)}")
        self.world = world
        self.model = MODELS[model]
        self.joint_speed, self.linear_speed, self.angular_speed = (
            joint_speed, linear_speed, angular_speed)
        self.ik_position_tolerance = ik_position_tolerance
        self.ik_orientation_tolerance = ik_orientation_tolerance
        self.min_tcp_height = min_tcp_height
        self.settle_timeout = settle_timeout
        self._c = world.client
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=self._c)
        self.body = p.loadURDF(self.model.urdf, self.model.base_position, useFixedBase=True,
                               physicsClientId=self._c)
        infos = [p.getJointInfo(self.body, j, physicsClientId=self._c)
                 for j in self.model.arm_joints]
        self._lower = np.array([i[8] for i in infos])
        self._upper = np.array([i[9] for i in infos])
        self._effort = [i[10] for i in infos]
        self._vmax = np.array([i[11] for i in infos])
        self._gripper = SimGripper(world, self.body, self.model.gripper, gripper_force)
        self._ik = ArmIK(
            self._c, self.body, self.model.arm_joints, self.model.tcp_link, self._lower,
            self._upper, np.array(self.model.rest), extra_rest=self.model.gripper.open_positions(),
            tcp_offset=self.model.tcp_offset, base=self.model.base_position)
        self._info = ArmInfo(
            name=self.model.name, dof=len(infos), joint_lower=tuple(self._lower),
            joint_upper=tuple(self._upper), max_joint_speed=tuple(self._vmax),
            home_joints=self.model.home,
        )
        self._scale = 1.0
        self._fault: str | None = None
        self._connected = False
        self._holding = False
        self._stops = 0  # stop() calls so far; a motion is interrupted when this changes
        self._stop_lock = threading.Lock()
        self._in_motion = False
        self._target: tuple[float, ...] = tuple(self.model.home)  # the joints last commanded
        self._gripper_closed = False  # the gripper's last command
        self.reset_home()
        world.add_reset_hook(self.reset_home)

    # lifecycle and state -------------------------------------------------------------------
    @property
    def info(self) -> ArmInfo:
        return self._info

    def connect(self) -> None:
        if not p.isConnected(self._c):
            raise ArmConnectionError("the simulated world is closed")
        self._connected = True

    def close(self) -> None:
        self._connected = False

    def reset_home(self) -> None:
        """Teleport to the home posture with the gripper open (scene resets only)."""
        for j, q in zip(self.model.arm_joints, self.model.home, strict=True):
            p.resetJointState(self.body, j, q, 0.0, physicsClientId=self._c)
        self._gripper.reset_open()
        self._gripper_closed = False
        self._command_arm(np.array(self.model.home), np.zeros(len(self.model.home)))
        self._holding = False

    def get_state(self) -> ArmState:
        q, qd = self._joint_state()
        holding = self._holding and self._gripper.held_body() is not None
        return ArmState(
            joints=tuple(float(v) for v in q), tool_pose=self._tool_pose(),
            gripper_width=self._gripper.width(), holding=holding,
            moving=self._in_motion or bool(np.abs(qd).max() > 0.02), fault=self._fault,
            timestamp=self.world.sim_time, target_joints=self._target,
            gripper_closed=self._gripper_closed,
        )

    def set_speed_scale(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError(f"speed scale must be positive, got {scale}")
        if scale > 1:
            raise LimitError(f"speed scale {scale} exceeds 1")
        self._scale = scale

    def stop(self) -> None:
        with self._stop_lock:
            self._stops += 1
        if p.isConnected(self._c):
            q, _ = self._joint_state()
            self._command_arm(q, np.zeros_like(q))

    def emergency_stop(self) -> None:
        self.stop()
        self._fault = EMERGENCY_STOP

    def clear_fault(self) -> None:
        self._fault = None

    # motion ---------------------------------------------------------------------------------
    def move_joints(
        self, joints: tuple[float, ...], speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        stops_seen = self._stops
        self._check_ready()
        goal = np.asarray(joints, dtype=float)
        if goal.shape != self._lower.shape:
            raise LimitError(f"expected {len(self._lower)} joints, got {len(joints)}")
        bad = np.flatnonzero((goal < self._lower - 1e-6) | (goal > self._upper + 1e-6))
        if bad.size:
            raise LimitError(f"joints {bad.tolist()} outside their limits: {goal[bad].tolist()}")
        start, _ = self._joint_state()
        speeds = np.minimum(speed or self.joint_speed, self._vmax) * self._scale
        self._follow(joint_path(start, goal, speeds, self.world.time_step), goal, timeout,
                     stops_seen)

    def move_linear(
        self, pose: Pose, speed: float | None = None,
        accel: float | None = None, timeout: float | None = None,
    ) -> None:
        stops_seen = self._stops
        self._check_ready()
        if pose[2] < self.min_tcp_height:
            raise LimitError(f"tool height {pose[2]:.3f} m is below {self.min_tcp_height} m")
        q0, _ = self._joint_state()
        path, end = linear_path(
            self._ik, pose, q0, (speed or self.linear_speed) * self._scale,
            self.angular_speed * self._scale, self._vmax * self._scale, self.world.time_step,
            self._ik_ok)
        self._follow(path, end, timeout, stops_seen)

    def is_reachable(self, pose: Pose) -> bool:
        if pose[2] < self.min_tcp_height:
            return False
        q0, _ = self._joint_state()
        orn = np.array(p.getQuaternionFromEuler(pose[3:]))
        return self._ik_ok(self._ik.solve(np.array(pose[:3], dtype=float), orn, q0))

    def tool_pose_for(self, joints: tuple[float, ...]) -> Pose | None:
        """Forward kinematics through PyBullet's model of the arm, without moving it."""
        q = np.asarray(joints, dtype=float)
        if q.shape != self._lower.shape:
            raise LimitError(f"expected {len(self._lower)} joints, got {len(joints)}")
        pos, orn = self._ik.tool_pose_at(q)
        roll, pitch, yaw = p.getEulerFromQuaternion(orn.tolist())
        x, y, z = (float(v) for v in pos)
        return (x, y, z, roll, pitch, yaw)

    def _ik_ok(self, result: IKResult, slack: float = 1.0) -> bool:
        return result.ok(slack * self.ik_position_tolerance,
                         slack * self.ik_orientation_tolerance)

    # gripper --------------------------------------------------------------------------------
    def gripper_open(self) -> None:
        self._check_ready()
        self._holding = False
        self._gripper_closed = False
        self._gripper.move(self.model.gripper.open)

    def gripper_close(self) -> bool:
        self._check_ready()
        self._gripper_closed = True
        self._gripper.move(self.model.gripper.closed)
        self._holding = self._gripper.width() > 0.01 and self._gripper.held_body() is not None
        return self._holding

    # internals ------------------------------------------------------------------------------
    def _check_ready(self) -> None:
        if not self._connected or not p.isConnected(self._c):
            raise ArmConnectionError("arm not connected; use `with driver:` or connect()")
        if self._fault:
            raise ArmFault(f"arm in fault ({self._fault}); call clear_fault()")

    def _joint_state(self) -> tuple[np.ndarray, np.ndarray]:
        states = p.getJointStates(self.body, self.model.arm_joints, physicsClientId=self._c)
        return np.array([s[0] for s in states]), np.array([s[1] for s in states])

    def _tool_pose(self) -> Pose:
        pos, orn = self._ik.tool_pose()
        x, y, z = (float(v) for v in pos)
        roll, pitch, yaw = p.getEulerFromQuaternion(orn.tolist())
        return (x, y, z, roll, pitch, yaw)

    def _command_arm(self, q: np.ndarray, qd: np.ndarray) -> None:
        self._target = tuple(float(v) for v in q)
        p.setJointMotorControlArray(
            self.body, self.model.arm_joints, p.POSITION_CONTROL, targetPositions=q.tolist(),
            targetVelocities=qd.tolist(), forces=self._effort, positionGains=[0.3] * len(q),
            velocityGains=[1.0] * len(q), physicsClientId=self._c)

    def _follow(self, path: np.ndarray, goal: np.ndarray, timeout: float | None,
                stops_seen: int) -> None:
        self._in_motion = True
        try:
            self._track(path, goal, timeout, stops_seen)
        finally:
            self._in_motion = False

    def _check_interrupt(self, stops_seen: int) -> None:
        """After a stop() since the motion began: hold where the arm is, let it come to rest,
        raise MotionInterrupted."""
        if self._stops == stops_seen:
            return
        q, _ = self._joint_state()
        self._command_arm(q, np.zeros_like(q))
        for _ in range(math.ceil(0.5 / self.world.time_step)):
            self.world.step()
            if np.abs(self._joint_state()[1]).max() < 0.02:
                break
        raise MotionInterrupted("motion stopped by stop()")

    def _track(self, path: np.ndarray, goal: np.ndarray, timeout: float | None,
               stops_seen: int) -> None:
        dt = self.world.time_step
        limit = timeout if timeout is not None else len(path) * dt + self.settle_timeout
        t_end = self.world.sim_time + limit
        velocities = np.diff(path, axis=0, prepend=path[:1]) / dt
        for q, qd in zip(path, velocities, strict=True):
            self._check_interrupt(stops_seen)
            self._command_arm(q, qd)
            self.world.step()
            if self.world.sim_time > t_end:
                self.stop()
                raise ArmTimeout(f"motion did not finish within {limit:.2f} s (simulated)")
        self._command_arm(goal, np.zeros_like(goal))
        while True:
            self._check_interrupt(stops_seen)
            q, qd = self._joint_state()
            if np.abs(q - goal).max() < 2e-3 and np.abs(qd).max() < 0.02:
                return
            if self.world.sim_time > t_end:
                self.stop()
                raise ArmTimeout(f"arm did not settle within {limit:.2f} s (simulated); joint "
                                 f"error {np.abs(q - goal).max():.3f} rad")
            self.world.step(2)

