"""A LeRobot dataset grown one episode at a time, from episodes staged where they were recorded.

An episode is sampled and staged in its own record directory (`lerobot_episode/`: its frames'
table, its video, `episode.json`) by the process that ran it, a benchmark worker perhaps; the
process that owns the dataset then adds it (`LeRobotDatasetWriter.add`): its frames get their
place in the dataset (episode, frame and task indices), its files their chunked names, and the
metadata is written again, info.json last. After each episode the directory is a whole dataset
that `LeRobotDataset` loads; nothing is written before the first episode arrives.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from records.lerobot.format import (
    DATA_PATH,
    EPISODES_PATH,
    INFO_PATH,
    STATS_PATH,
    TASKS_PATH,
    VIDEO_PATH,
    RunningStats,
    chunk_and_file,
    data_schema,
    episodes_table,
    info_json,
    stats_columns,
    tasks_table,
    video_keys,
)
from records.run_dir import RunDirectoryError, replace_file

STAGED_DIR = "lerobot_episode"  # in an episode's record directory
STAGED_TABLE = "frames.parquet"
STAGED_META = "episode.json"


@dataclass(frozen=True)
class StagedEpisode:
    """What an episode's staging says of it beside its frames' table and videos: the task (the
    instruction), whether it succeeded, and the features and image sums of its frames."""

    task: str
    success: bool
    fps: int
    robot_type: str
    features: dict[str, dict[str, Any]]
    image_sums: dict[str, dict[str, Any]] = field(default_factory=dict)  # per camera key
    length: int = 0
    seconds: float = 0.0  # spent sampling, rendering, encoding and staging it

    def save(self, directory: Path, table: pa.Table) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.cast(data_schema(self.features)), directory / STAGED_TABLE)
        replace_file(directory / STAGED_META, json.dumps(asdict(self)).encode())

    @classmethod
    def load(cls, directory: Path) -> StagedEpisode:
        return cls(**json.loads((directory / STAGED_META).read_text()))


def image_sums(stats: RunningStats) -> dict[str, Any]:
    assert stats.sum is not None and stats.sum_sq is not None
    assert stats.min is not None and stats.max is not None
    return {"count": stats.count, "sum": stats.sum.tolist(), "sum_sq": stats.sum_sq.tolist(),
            "min": stats.min.tolist(), "max": stats.max.tolist()}


class LeRobotDatasetWriter:
    """The dataset in `root` (a new or empty directory: `records.observers.settings` checks it
    before the run starts), written by this process alone."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.episodes: list[dict[str, Any]] = []
        self.tasks: dict[str, int] = {}
        self.stats: dict[str, RunningStats] = {}
        self.first: StagedEpisode | None = None
        self.frames = 0
        self.seconds = 0.0  # spent on the episodes added: staging them and adding them

    def add_from(self, record_dir: Path) -> int | None:
        """Adds the episode staged in `record_dir` (and removes its staging); its index, or None
        when nothing was staged there (an episode that never reached the arm's first step)."""
        staged_dir = Path(record_dir) / STAGED_DIR
        if not (staged_dir / STAGED_META).is_file():
            return None
        index = self.add(staged_dir)
        shutil.rmtree(staged_dir, ignore_errors=True)
        return index

    def add(self, staged_dir: Path) -> int:
        began = time.perf_counter()
        staged = StagedEpisode.load(staged_dir)
        self._check_matches(staged)
        index = len(self.episodes)
        place = chunk_and_file(index)
        table = pq.read_table(staged_dir / STAGED_TABLE)
        length = table.num_rows
        task_index = self.tasks.setdefault(staged.task, len(self.tasks))
        table = _with_column(table, "episode_index", np.full(length, index, np.int64))
        table = _with_column(table, "index", np.arange(self.frames, self.frames + length))
        table = _with_column(table, "task_index", np.full(length, task_index, np.int64))
        table = table.cast(data_schema(staged.features))
        self._write_parquet(table, self.root / DATA_PATH.format(**place))
        row: dict[str, Any] = {"episode_index": index, "tasks": [staged.task], "length": length,
                               "data/chunk_index": place["chunk_index"],
                               "data/file_index": place["file_index"],
                               "dataset_from_index": self.frames,
                               "dataset_to_index": self.frames + length}
        for key in video_keys(staged.features):
            target = self.root / VIDEO_PATH.format(video_key=key, **place)
            self._move(staged_dir / f"{key}.mp4", target)
            row.update({f"videos/{key}/chunk_index": place["chunk_index"],
                        f"videos/{key}/file_index": place["file_index"],
                        f"videos/{key}/from_timestamp": 0.0,
                        f"videos/{key}/to_timestamp": length / staged.fps})
            sums = staged.image_sums[key]
            self.stats.setdefault(key, RunningStats()).add_sums(
                sums["count"], np.array(sums["sum"]), np.array(sums["sum_sq"]),
                np.array(sums["min"]), np.array(sums["max"]))
        row.update({"meta/episodes/chunk_index": 0, "meta/episodes/file_index": 0,
                    "success": staged.success})
        for key, values in stats_columns(table, staged.features):
            self.stats.setdefault(key, RunningStats()).add(values)
        self.episodes.append(row)
        self.frames += length
        self.first = self.first or staged
        self._write_metadata()
        self.seconds += staged.seconds + time.perf_counter() - began
        return index

    def summary(self) -> str:
        """One line: what the dataset holds and what writing it cost."""
        size = sum(f.stat().st_size for f in self.root.rglob("*") if f.is_file())
        count = len(self.episodes)
        per_episode = self.seconds / count if count else 0.0
        return (f"LeRobot dataset {self.root}: {count} episodes, {self.frames} frames, "
                f"{len(self.tasks)} tasks, {size / 2**20:.1f} MB; writing it took "
                f"{self.seconds:.1f} s ({per_episode:.2f} s per episode)")

    def _check_matches(self, staged: StagedEpisode) -> None:
        if self.first is None:
            return
        if (staged.fps, staged.robot_type) != (self.first.fps, self.first.robot_type) or \
                _shapes(staged.features) != _shapes(self.first.features):
            raise ValueError(f"export.lerobot: an episode of {staged.robot_type} at "
                             f"{staged.fps} fps does not fit the dataset in {self.root} "
                             f"({self.first.robot_type} at {self.first.fps} fps)")

    def _write_metadata(self) -> None:
        assert self.first is not None
        self._write_parquet(episodes_table(self.episodes), self.root / EPISODES_PATH)
        self._write_parquet(tasks_table(list(self.tasks)), self.root / TASKS_PATH)
        stats = {key: each.to_json([3, 1, 1] if key in video_keys(self.first.features) else None)
                 for key, each in self.stats.items()}
        self._write_json(stats, self.root / STATS_PATH)
        info = info_json(self.first.fps, self.first.features, self.first.robot_type,
                         len(self.episodes), self.frames, len(self.tasks))
        self._write_json(info, self.root / INFO_PATH)  # last: the dataset is whole again

    def _write_parquet(self, table: pa.Table, path: Path) -> None:
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        self._makedirs(path.parent)
        replace_file(path, sink.getvalue().to_pybytes())

    def _write_json(self, data: dict[str, Any], path: Path) -> None:
        self._makedirs(path.parent)
        replace_file(path, (json.dumps(data, indent=2) + "\n").encode())

    def _move(self, source: Path, target: Path) -> None:
        self._makedirs(target.parent)
        try:
            shutil.move(source, target)
        except OSError as error:
            raise RunDirectoryError(f"cannot write {target}: {error.strerror or error}") from error

    @staticmethod
    def _makedirs(directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunDirectoryError(f"cannot create {directory}: {error.strerror or error}"
                                    ) from error


def _with_column(table: pa.Table, name: str, values: np.ndarray) -> pa.Table:
    column = pa.array(values, pa.int64())
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, column)
    return table.append_column(name, column)


def _shapes(features: dict[str, dict[str, Any]]) -> dict[str, tuple[str, tuple[int, ...]]]:
    return {key: (f["dtype"], tuple(f["shape"])) for key, f in features.items()}
