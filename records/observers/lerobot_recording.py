"""`export.lerobot=DIR`: each episode sampled for a LeRobot dataset while it runs and staged in its
record directory when it ends (`records.lerobot.dataset`; the process that owns the dataset adds
it there).

At `export.fps` frames per simulated second, from the simulator's physics steps, and once where
the episode starts: the camera's view rendered at `export.width` x `export.height` (encoded into
the episode's video at once), the joints and the gripper's opening, the tool pose, and what the
arm was commanded (its joint targets, the gripper closed or open). The instruction is the task;
the last frame says the episode is done and whether it succeeded (a benchmark's execution
success on the simulator's ground truth; elsewhere, whether the planner ended it with done()).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from agent.types import EpisodeResult, Sensors
from drivers import ArmState
from records.lerobot.dataset import StagedEpisode, image_sums
from records.lerobot.format import (
    ACTION,
    CAMERA_KEY,
    DONE,
    STATE,
    SUCCESS,
    TOOL_POSE,
    arm_features,
    data_schema,
)
from records.lerobot.video import VideoEncoder
from records.observers.base import EpisodeObserver
from records.observers.settings import ExportSettings
from records.observers.timeline import EpisodeTimeline
from records.run_dir import RunDirectoryError

NEEDS_SIMULATOR = ("export.lerobot needs the simulator: a simulated arm in this process and its "
                   "rendered camera (camera=sim)")


class LeRobotObserver(EpisodeObserver):
    """Samples one episode into `staging` (a directory it creates when the first frame comes)."""

    def __init__(self, settings: ExportSettings, staging: Path,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.settings = settings
        self.staging = Path(staging)
        self.motion_hz = float(settings.fps)
        self.rows: list[tuple[ArmState, float]] = []  # (state, gripper command 1/0)
        self.seconds = 0.0  # spent rendering, encoding and staging
        self._encoder: VideoEncoder | None = None
        self._camera = ""
        self._error: OSError | None = None

    def watch(self, sensors: Sensors) -> Callable[[], None]:
        if sensors.physics_steps is None or sensors.render is None:
            raise ValueError(NEEDS_SIMULATOR)
        stop = super().watch(sensors)
        started = self._take()  # frame 0: where the episode starts
        if started is not None:
            self._next_motion_sample = started + 1.0 / self.motion_hz
        return stop

    def on_motion(self, sim_time: float) -> None:
        self._take()

    def _take(self) -> float | None:
        """One frame now; its simulated time (None once writing failed)."""
        if self._error is not None or self.sensors is None or self.sensors.render is None:
            return None
        began = time.perf_counter()
        state = self.sensors.arm_state()
        frame = self.sensors.render(self.settings.width, self.settings.height)
        try:
            if self._encoder is None:
                self.staging.mkdir(parents=True, exist_ok=True)
                self._camera = CAMERA_KEY.format(frame.camera_name)
                self._encoder = VideoEncoder(self.staging / f"{self._camera}.mp4",
                                             self.settings.fps, self.settings.width,
                                             self.settings.height)
            self._encoder.add(frame.rgb)
        except OSError as error:  # told when the episode ends; the arm goes on meanwhile
            self._error = error
            return None
        closed = state.gripper_closed if state.gripper_closed is not None else False
        self.rows.append((state, 1.0 if closed else 0.0))
        self.seconds += time.perf_counter() - began
        return state.timestamp

    def publish(self, episode: EpisodeResult, timeline: EpisodeTimeline) -> None:
        if self._error is not None:
            if self._encoder is not None:
                self._encoder.abort()
            raise RunDirectoryError(f"cannot write the LeRobot episode in {self.staging}: "
                                    f"{self._error.strerror or self._error}")
        if self._encoder is None or not self.rows:
            return
        began = time.perf_counter()
        success = episode.status == "done" if self.success is None else bool(self.success)
        dof = len(self.rows[0][0].joints)
        features = arm_features(dof, self._camera.rsplit(".", 1)[-1], self.settings.width,
                                self.settings.height)
        try:
            features[self._camera]["info"] = self._encoder.close()
            table = self.table(features, success)
            self.seconds += time.perf_counter() - began
            StagedEpisode(
                task=episode.instruction, success=success, fps=self.settings.fps,
                robot_type=self.sensors.arm_name if self.sensors else "", features=features,
                image_sums={self._camera: image_sums(self._encoder.stats)},
                length=len(self.rows), seconds=self.seconds,
            ).save(self.staging, table)
        except OSError as error:
            raise RunDirectoryError(f"cannot write the LeRobot episode in {self.staging}: "
                                    f"{error.strerror or error}") from error

    def table(self, features: dict[str, dict[str, Any]], success: bool) -> pa.Table:
        """The episode's frames, one row each (its place in the dataset comes when it is
        added)."""
        n = len(self.rows)
        states = [s for s, _ in self.rows]
        last = np.arange(n) == n - 1
        columns: dict[str, Any] = {
            STATE: [[*s.joints, s.gripper_width] for s in states],
            TOOL_POSE: [list(s.tool_pose) for s in states],
            ACTION: [[*(s.target_joints or s.joints), grip] for s, grip in self.rows],
            DONE: last.tolist(),
            SUCCESS: (last & success).tolist(),
            "timestamp": (np.arange(n) / self.settings.fps).tolist(),
            "frame_index": list(range(n)),
            "episode_index": [0] * n,
            "index": list(range(n)),
            "task_index": [0] * n,
        }
        schema = data_schema(features)
        return pa.table({name: columns[name] for name in schema.names}, schema=schema)
