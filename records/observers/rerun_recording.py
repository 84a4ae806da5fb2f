"""`record.rerun=PATH.rrd`: one rerun recording per episode, written when it ends (`rerun PATH.rrd`
shows it). On the timelines `time` (when it happened, from `records.observers.timeline`) and
`step`, and the arm's samples also on `arm_time` (the arm's clock: simulated seconds):

    world/camera/<name>/image               each camera frame (RGB), with its pinhole and pose
    world/camera/<name>/image/detections    the detections as 2-D boxes, named and coloured
    world/objects                           the perceived objects' 3-D positions
    world/tool, arm/joints, arm/tool_position, arm/gripper_width
                                            the arm's tool pose and joint angles, read at the
                                            start, after every step and, in the simulator, 30
                                            times per simulated second of motion (when the
                                            recorder was given the arm: RunRecorder.watch)
    world/targets                           each motion primitive's target pose, when it ended
    plan/scores, plan/options, plan/chosen_score
                                            each step's option scores (combined), as a table
    log                                     the chosen option, then what executing it did
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import rerun as rr

from agent.types import EpisodeResult, Sensors, StepRecord
from drivers import ArmError, ArmState
from drivers.rotations import rpy_to_quaternion
from perception.palette import PALETTE
from perception.types import Detection, Frame, Scene
from records.observers.base import EpisodeObserver
from records.observers.timeline import EpisodeTimeline, StepTimes
from records.run_dir import RunDirectoryError
from skills.tolerances import BLOCK_SIZE

APPLICATION_ID = "stackbot"
TIME, STEP, ARM_TIME = "time", "step", "arm_time"
ARM_SAMPLES_HZ = 30.0  # arm samples per simulated second of motion
BOWL_HALF_WIDTH = 0.07  # metres: a bowl's rim and wall, around its centre (sim BowlGeometry)
BOWL_HEIGHT = 0.035
TOOL_AXIS_LENGTH = 0.05
TOP_OPTIONS = 10  # rows of plan/options


class RerunObserver(EpisodeObserver):
    motion_hz = ARM_SAMPLES_HZ

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.path = Path(path)
        self.arm_samples: list[tuple[float, int, ArmState]] = []  # (when, step, state)

    def watch(self, sensors: Sensors) -> Callable[[], None]:
        """Reads the arm at once (where the episode starts), after every step and, with the
        simulator's physics steps, ARM_SAMPLES_HZ times per simulated second of motion."""
        stop = super().watch(sensors)
        self._sample(self.clock(), 0)
        return stop

    def on_motion(self, sim_time: float) -> None:
        self._sample(self.clock(), len(self.arrived_at))

    def on_step(self, record: StepRecord) -> None:
        super().on_step(record)
        self._sample(self.arrived_at[-1], record.index + 1)

    def _sample(self, when: float, step: int) -> None:
        if self.arm_state is None:
            return
        try:
            self.arm_samples.append((when, step, self.arm_state()))
        except ArmError:  # not connected yet, or gone: the recording does without this one
            pass

    def publish(self, episode: EpisodeResult, timeline: EpisodeTimeline) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunDirectoryError(f"cannot create {self.path.parent}: "
                                    f"{error.strerror or error}") from error
        recording = rr.RecordingStream(APPLICATION_ID, recording_id=uuid.uuid4())
        recording.save(self.path)
        try:
            write_episode(recording, episode, timeline, self.arm_samples)
        finally:
            recording.flush()
            recording.disconnect()


def write_episode(rec: rr.RecordingStream, episode: EpisodeResult, timeline: EpisodeTimeline,
                  arm_samples: list[tuple[float, int, ArmState]]) -> None:
    rec.log("world", rr.ViewCoordinates.RIGHT_HAND_Z_UP, static=True)
    rec.log("world/tool", rr.TransformAxes3D(TOOL_AXIS_LENGTH), static=True)
    rec.log("log", rr.TextLog(f"instruction: {episode.instruction}"), static=True)
    cameras: set[str] = set()
    for record, times in zip(episode.records, timeline.steps, strict=True):
        _at(rec, times.perceive.end, record.index)
        _log_frame(rec, record.frame_before, record.scene, cameras)
        _log_plan(rec, record, times)
        _log_execute(rec, record, times)
    if episode.records:
        last = episode.records[-1]
        if last.frame_after is not None and last.frame_after is not last.frame_before:
            _at(rec, timeline.steps[-1].step.end, last.index + 1)
            _log_frame(rec, last.frame_after, episode.final_scene or last.scene, cameras)
    for when, step, state in arm_samples:
        _at(rec, when, step)
        rec.set_time(ARM_TIME, duration=state.timestamp)
        _log_arm(rec, state)
    _at(rec, timeline.episode.end, len(episode.records))
    rec.log("log", rr.TextLog(f"episode: {episode.message}"))


def _at(rec: rr.RecordingStream, when: float, step: int) -> None:
    rec.set_time(TIME, timestamp=when)
    rec.set_time(STEP, sequence=step)
    rec.disable_timeline(ARM_TIME)


def _log_frame(rec: rr.RecordingStream, frame: Frame, scene: Scene, cameras: set[str]) -> None:
    camera = f"world/camera/{rr.escape_entity_path_part(frame.camera_name)}"
    if camera not in cameras:  # a camera's pose and lens do not change during an episode
        cameras.add(camera)
        pose = frame.camera_to_world
        rec.log(camera, rr.Transform3D(translation=pose[:3, 3], mat3x3=pose[:3, :3]), static=True)
        height, width = frame.size
        rec.log(f"{camera}/image", rr.Pinhole(image_from_camera=frame.intrinsics, width=width,
                                              height=height), static=True)
    rec.log(f"{camera}/image", rr.Image(frame.rgb))
    objects = scene.objects
    boxes = np.array([detection_box(frame, o) for o in objects]).reshape(-1, 4)
    labels = [f"{o.name} {o.confidence:.2f}" for o in objects]
    colours = [_colour(o) for o in objects]
    rec.log(f"{camera}/image/detections", rr.Boxes2D(mins=boxes[:, :2], sizes=boxes[:, 2:],
                                                     labels=labels, colors=colours))
    rec.log("world/objects", rr.Points3D([o.position for o in objects], labels=labels,
                                         colors=colours, radii=BLOCK_SIZE / 2))


def detection_box(frame: Frame, detection: Detection) -> tuple[float, float, float, float]:
    """(col, row, width, height) in pixels: the object's nominal extent (a block's cube, a
    bowl's rim around its base) projected into the frame."""
    x, y, z = detection.position
    if detection.kind == "bowl":
        half, low, high = BOWL_HALF_WIDTH, z, z + BOWL_HEIGHT
    else:
        half, low, high = BLOCK_SIZE / 2, z - BLOCK_SIZE / 2, z + BLOCK_SIZE / 2
    corners = np.array([[x + dx, y + dy, h, 1.0] for dx in (-half, half) for dy in (-half, half)
                        for h in (low, high)])
    in_camera = corners @ np.linalg.inv(frame.camera_to_world).T
    pixels = in_camera[:, :3] @ frame.intrinsics.T
    uv = pixels[:, :2] / pixels[:, 2:3]
    (u0, v0), (u1, v1) = uv.min(axis=0), uv.max(axis=0)
    return float(u0), float(v0), float(u1 - u0), float(v1 - v0)


def _log_plan(rec: rr.RecordingStream, record: StepRecord, times: StepTimes) -> None:
    scored = record.step.scored
    _at(rec, times.plan.end, record.index)
    chosen = next((s for s in scored if s.option == record.step.option), None)
    if scored:
        rec.log("plan/scores", rr.BarChart([s.combined for s in scored]))
        rows = [f"| {s.option.text} | {s.llm_score:.3f} | {s.affordance:.2f} | {s.combined:.4f} |"
                for s in scored[:TOP_OPTIONS]]
        rec.log("plan/options", rr.TextDocument(
            "| option | llm | affordance | combined |\n|---|---|---|---|\n" + "\n".join(rows),
            media_type=rr.MediaType.MARKDOWN))
    if chosen is not None:
        rec.log("plan/chosen_score", rr.Scalars(chosen.combined))
    score = "" if chosen is None else f" (combined {chosen.combined:.4f})"
    rec.log("log", rr.TextLog(f"step {record.index}: {record.step.option.text}{score}"))


def _log_execute(rec: rr.RecordingStream, record: StepRecord, times: StepTimes) -> None:
    result = record.result
    if result is None or times.execute is None:
        return
    for primitive, interval in zip(result.primitives, times.primitives, strict=False):
        if primitive.pose is not None:
            _at(rec, interval.end, record.index)
            rec.log("world/targets", rr.Points3D([primitive.pose[:3]], labels=[primitive.phase],
                                                 radii=0.005))
    _at(rec, times.execute.end, record.index)
    level = "INFO" if record.succeeded else "WARN"
    rec.log("log", rr.TextLog(f"step {record.index}: {result.message}", level=level))


def _log_arm(rec: rr.RecordingStream, state: ArmState) -> None:
    x, y, z, roll, pitch, yaw = state.tool_pose
    quaternion = rr.Quaternion(xyzw=rpy_to_quaternion(roll, pitch, yaw))
    rec.log("world/tool", rr.Transform3D(translation=(x, y, z), quaternion=quaternion))
    rec.log("arm/joints", rr.Scalars(list(state.joints)))
    rec.log("arm/tool_position", rr.Scalars([x, y, z]))
    rec.log("arm/gripper_width", rr.Scalars(state.gripper_width))


def _colour(detection: Detection) -> tuple[int, int, int]:
    r, g, b = PALETTE.get(detection.color, (1.0, 1.0, 1.0))
    return int(r * 255), int(g * 255), int(b * 255)
