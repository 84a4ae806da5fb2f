"""The LeRobot dataset format, v3.0 (lerobot 0.4: `lerobot/datasets/utils.py`), as stackbot
writes it: paths, the features of an arm's episode, parquet tables and statistics.

    meta/info.json                      fps, features (dtype, shape, names), totals, path patterns
    meta/tasks.parquet                  one row per task (the instruction), indexed by its text
    meta/episodes/chunk-000/file-000.parquet
                                        one row per episode: its task, length, frame range, its
                                        data and video files, and `success`
    meta/stats.json                     min, max, mean, std, count of each numeric feature
    data/chunk-XXX/file-YYY.parquet     one row per frame (one file per episode here)
    videos/<camera key>/chunk-XXX/file-YYY.mp4
                                        the camera's frames at `fps` (one file per episode)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

CODEBASE_VERSION = "v3.0"
CHUNKS_SIZE = 1000  # files per chunk directory
DATA_FILES_SIZE_MB = 100
VIDEO_FILES_SIZE_MB = 200
INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
TASKS_PATH = "meta/tasks.parquet"
EPISODES_PATH = "meta/episodes/chunk-000/file-000.parquet"
CHUNK_FILE = "chunk-{chunk_index:03d}/file-{file_index:03d}"
DATA_PATH = "data/" + CHUNK_FILE + ".parquet"
VIDEO_PATH = "videos/{video_key}/" + CHUNK_FILE + ".mp4"
CAMERA_KEY = "observation.images.{}"
STATE, TOOL_POSE, ACTION = "observation.state", "observation.tool_pose", "action"
DONE, SUCCESS = "next.done", "next.success"
INDEX_FEATURES = {  # every LeRobot dataset has these
    "timestamp": {"dtype": "float32", "shape": [1], "names": None},
    "frame_index": {"dtype": "int64", "shape": [1], "names": None},
    "episode_index": {"dtype": "int64", "shape": [1], "names": None},
    "index": {"dtype": "int64", "shape": [1], "names": None},
    "task_index": {"dtype": "int64", "shape": [1], "names": None},
}
ARROW_TYPES = {"float32": pa.float32(), "int64": pa.int64(), "bool": pa.bool_()}


def arm_features(dof: int, camera: str, width: int, height: int) -> dict[str, dict[str, Any]]:
    """The features of an episode of an arm with `dof` joints seen by `camera`: what it
    observes (the frame, joints and gripper opening, the tool pose), what it was commanded (the
    joint targets and the gripper: 1 closed, 0 open), and the episode's end."""
    joints = [f"joint_{i + 1}" for i in range(dof)]
    return {
        CAMERA_KEY.format(camera): {"dtype": "video", "shape": [height, width, 3],
                                    "names": ["height", "width", "channels"]},
        STATE: {"dtype": "float32", "shape": [dof + 1], "names": [*joints, "gripper_width"]},
        TOOL_POSE: {"dtype": "float32", "shape": [6],
                    "names": ["x", "y", "z", "roll", "pitch", "yaw"]},
        ACTION: {"dtype": "float32", "shape": [dof + 1], "names": [*joints, "gripper_closed"]},
        DONE: {"dtype": "bool", "shape": [1], "names": None},
        SUCCESS: {"dtype": "bool", "shape": [1], "names": None},
        **INDEX_FEATURES,
    }


def arrow_field(key: str, feature: Mapping[str, Any]) -> pa.Field:
    """The parquet column of a non-video feature, as `datasets` reads it back: a scalar for
    shape [1], a fixed-size list for a vector."""
    value = ARROW_TYPES[feature["dtype"]]
    shape = list(feature["shape"])
    if shape == [1]:
        return pa.field(key, value)
    if len(shape) == 1:
        return pa.field(key, pa.list_(value, shape[0]))
    raise ValueError(f"feature {key}: shape {shape} is not written by stackbot")


def data_schema(features: Mapping[str, Mapping[str, Any]]) -> pa.Schema:
    return pa.schema([arrow_field(key, f) for key, f in features.items()
                      if f["dtype"] != "video"])


def video_keys(features: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return [key for key, f in features.items() if f["dtype"] == "video"]


def info_json(fps: int, features: Mapping[str, Any], robot_type: str, episodes: int,
              frames: int, tasks: int) -> dict[str, Any]:
    return {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": robot_type,
        "total_episodes": episodes,
        "total_frames": frames,
        "total_tasks": tasks,
        "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": DATA_FILES_SIZE_MB,
        "video_files_size_in_mb": VIDEO_FILES_SIZE_MB,
        "fps": fps,
        "splits": {"train": f"0:{episodes}"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH if video_keys(features) else None,
        "features": dict(features),
    }


def chunk_and_file(episode_index: int) -> dict[str, int]:
    """Where an episode's files go: one data file and one video file per episode."""
    return {"chunk_index": episode_index // CHUNKS_SIZE,
            "file_index": episode_index % CHUNKS_SIZE}


def tasks_table(tasks: Sequence[str]) -> pa.Table:
    """meta/tasks.parquet as pandas writes a frame indexed by the task's text (lerobot reads
    it with `pandas.read_parquet` and looks tasks up by that index)."""
    index_column = "__index_level_0__"
    pandas_metadata = {
        "index_columns": [index_column],
        "column_indexes": [{"name": None, "field_name": None, "pandas_type": "unicode",
                            "numpy_type": "object", "metadata": {"encoding": "UTF-8"}}],
        "columns": [
            {"name": "task_index", "field_name": "task_index", "pandas_type": "int64",
             "numpy_type": "int64", "metadata": None},
            {"name": None, "field_name": index_column, "pandas_type": "unicode",
             "numpy_type": "object", "metadata": None},
        ],
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": "2.2.0",
    }
    schema = pa.schema([pa.field("task_index", pa.int64()), pa.field(index_column, pa.string())],
                       metadata={b"pandas": json.dumps(pandas_metadata).encode()})
    return pa.table({"task_index": list(range(len(tasks))), index_column: list(tasks)},
                    schema=schema)


def episodes_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """meta/episodes: one row per episode (`tasks` a list of strings, `success` a bool)."""
    columns: dict[str, list[Any]] = {key: [row[key] for row in rows] for key in rows[0]}
    fields = []
    for key, values in columns.items():
        if key == "tasks":
            fields.append(pa.field(key, pa.list_(pa.string())))
        elif isinstance(values[0], bool):
            fields.append(pa.field(key, pa.bool_()))
        elif isinstance(values[0], float):
            fields.append(pa.field(key, pa.float64()))
        else:
            fields.append(pa.field(key, pa.int64()))
    return pa.table(columns, schema=pa.schema(fields))


class RunningStats:
    """min, max, mean, std and count of a feature, accumulated batch by batch (frames as rows,
    the feature's values as columns); images arrive as per-channel sums of pixels in [0, 1]."""

    def __init__(self) -> None:
        self.count = 0
        self.sum: np.ndarray | None = None
        self.sum_sq: np.ndarray | None = None
        self.min: np.ndarray | None = None
        self.max: np.ndarray | None = None

    def add(self, values: np.ndarray) -> None:
        """`values`: (rows, width) for a vector feature."""
        values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
        self.add_sums(len(values), values.sum(0), (values ** 2).sum(0), values.min(0),
                      values.max(0))

    def add_sums(self, count: int, total: np.ndarray, total_sq: np.ndarray, low: np.ndarray,
                 high: np.ndarray) -> None:
        if count == 0:
            return
        if self.sum is None:
            self.sum, self.sum_sq = np.zeros_like(total), np.zeros_like(total_sq)
            self.min, self.max = np.array(low, dtype=np.float64), np.array(high, dtype=np.float64)
        assert self.sum_sq is not None and self.min is not None and self.max is not None
        self.count += count
        self.sum = self.sum + total
        self.sum_sq = self.sum_sq + total_sq
        self.min, self.max = np.minimum(self.min, low), np.maximum(self.max, high)

    def to_json(self, shape: Sequence[int] | None = None) -> dict[str, list[Any]]:
        """`shape`: how each statistic is laid out ([3, 1, 1] for an image's channels)."""
        assert self.sum is not None and self.sum_sq is not None
        mean = self.sum / self.count
        std = np.sqrt(np.maximum(self.sum_sq / self.count - mean ** 2, 0.0))
        assert self.min is not None and self.max is not None
        stats = {"min": self.min, "max": self.max, "mean": mean, "std": std}
        layout = tuple(shape) if shape is not None else mean.shape
        out: dict[str, list[Any]] = {k: np.reshape(v, layout).tolist() for k, v in stats.items()}
        out["count"] = [self.count]
        return out


def stats_columns(table: pa.Table, features: Mapping[str, Mapping[str, Any]]
                  ) -> Iterable[tuple[str, np.ndarray]]:
    """The numeric (not bool, not video) columns of a data table, as (rows, width) arrays."""
    for key, feature in features.items():
        if feature["dtype"] in ("video", "bool"):
            continue
        column = table.column(key).combine_chunks()
        if pa.types.is_fixed_size_list(column.type):
            values = column.flatten().to_numpy().reshape(len(column), -1)
        else:
            values = column.to_numpy().reshape(-1, 1)
        yield key, values
