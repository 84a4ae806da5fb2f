"""`export.lerobot=DIR`: a LeRobot dataset (v3.0) of benchmark episodes (the scripted planner,
PyBullet DIRECT), read back the way lerobot's `LeRobotDataset` reads it, with pyarrow and PyAV:
info.json's features and paths, the data files per episode, meta/episodes' frame ranges and
files, meta/tasks as pandas indexes it, every video frame at its timestamp (lerobot's tolerance,
1e-4 s), the statistics; and bad input refused in one line before anything is written.

lerobot itself is not installed here (it pins torch < 2.11, a CUDA build of several GB beside
this project's CPU torch 2.13): `tools/lerobot_check.py` is the check with lerobot's own
`LeRobotDataset`, run by hand (docs/lerobot.md says how, docs/results.md what it printed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_module

from records.lerobot.format import arrow_field
from tests.test_cli_errors import assert_one_line_error, run_cli

pytestmark = pytest.mark.sim

TOLERANCE_S = 1e-4  # LeRobotDataset's default tolerance_s
SUITE = "[pick_place_v1,long_horizon_v1]"  # with max_steps=2 the long horizon fails


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[dict]]]:
    """The dataset of a 2-episode benchmark run, and the run's results lines."""
    from tools.bench.benchmark import run_benchmark

    directory = tmp_path_factory.mktemp("export")
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=[
            "planner=scripted", "perception=oracle", f"tasks={SUITE}", "episodes=1",
            "max_steps=2", "label=test", "progress=false",
            f"results={directory / 'bench' / 'r.jsonl'}",
            f"export.lerobot={directory / 'dataset'}"])
    results = run_benchmark(cfg)
    yield directory / "dataset", results


def info(root: Path) -> dict[str, Any]:
    return json.loads((root / "meta" / "info.json").read_text())


def episodes(root: Path) -> list[dict[str, Any]]:
    return pq.read_table(root / "meta" / "episodes" / "chunk-000" / "file-000.parquet").to_pylist()


def test_info_names_the_format_and_every_feature(exported: tuple[Path, list[dict]]) -> None:
    root, results = exported
    meta = info(root)
    assert meta["codebase_version"] == "v3.0" and meta["fps"] == 10
    assert meta["robot_type"] == "panda"
    assert meta["total_episodes"] == len(results) == 2 and meta["total_tasks"] == 2
    assert meta["splits"] == {"train": "0:2"}
    features = meta["features"]
    assert features["observation.images.top"]["shape"] == [240, 320, 3]
    assert features["observation.images.top"]["info"]["video.codec"] == "h264"
    assert features["observation.state"]["shape"] == features["action"]["shape"] == [8]
    assert features["observation.state"]["names"][-1] == "gripper_width"
    assert features["action"]["names"][-1] == "gripper_closed"
    assert {"timestamp", "frame_index", "episode_index", "index", "task_index", "next.done",
            "next.success"} <= set(features)


def test_each_episode_s_frames_tasks_and_success(exported: tuple[Path, list[dict]]) -> None:
    root, results = exported
    meta = info(root)
    tasks = pq.read_table(root / "meta" / "tasks.parquet")
    pandas_meta = json.loads(tasks.schema.metadata[b"pandas"])  # pandas.read_parquet's index
    task_text = tasks.column(pandas_meta["index_columns"][0]).to_pylist()
    assert tasks.column("task_index").to_pylist() == [0, 1]
    rows = episodes(root)
    assert [r["episode_index"] for r in rows] == [0, 1]
    assert [r["tasks"] for r in rows] == [[r["instruction"]] for r in results]
    assert [r["success"] for r in rows] == [r["execution_success"] for r in results] \
        == [True, False]
    total = 0
    for row in rows:
        path = root / meta["data_path"].format(chunk_index=row["data/chunk_index"],
                                               file_index=row["data/file_index"])
        table = pq.read_table(path)
        for key, feature in meta["features"].items():  # the columns datasets will read
            if feature["dtype"] != "video":
                assert table.schema.field(key).type == arrow_field(key, feature).type, key
        n = table.num_rows
        assert n == row["length"] > 20  # frames at 10 per simulated second of motion
        assert row["dataset_from_index"] == total and row["dataset_to_index"] == total + n
        data = table.to_pydict()
        assert data["frame_index"] == list(range(n))
        assert data["index"] == list(range(total, total + n))
        assert set(data["episode_index"]) == {row["episode_index"]}
        assert {task_text[i] for i in data["task_index"]} == set(row["tasks"])
        assert np.allclose(data["timestamp"], np.arange(n) / meta["fps"], atol=1e-6)
        assert data["next.done"] == [False] * (n - 1) + [True]
        assert data["next.success"] == [False] * (n - 1) + [row["success"]]
        total += n
    assert total == meta["total_frames"]


def test_actions_are_the_commanded_motion(exported: tuple[Path, list[dict]]) -> None:
    """The joint targets lead the joints a little and the gripper closes then opens: commands,
    not a copy of the state."""
    root, _ = exported
    table = pq.read_table(root / "data" / "chunk-000" / "file-000.parquet").to_pydict()
    state, action = np.array(table["observation.state"]), np.array(table["action"])
    lead = np.abs(action[:, :7] - state[:, :7]).max(axis=1)
    assert lead.max() > 1e-3 and np.median(lead) < 0.1
    gripper = action[:, 7]
    assert set(gripper) == {0.0, 1.0}
    closed = np.flatnonzero(gripper == 1.0)
    assert closed.size and gripper[closed[-1] + 1:].size and not gripper[closed[-1] + 1:].any()
    assert state[closed[-1], 7] < 0.07  # holding the block: the fingers are not wide open


def test_every_video_frame_is_at_its_timestamp(exported: tuple[Path, list[dict]]) -> None:
    root, _ = exported
    meta = info(root)
    for row in episodes(root):
        key = "observation.images.top"
        path = root / meta["video_path"].format(video_key=key,
                                                chunk_index=row[f"videos/{key}/chunk_index"],
                                                file_index=row[f"videos/{key}/file_index"])
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            frames = [(float(frame.pts * stream.time_base), frame.to_ndarray(format="rgb24"))
                      for frame in container.decode(stream)]
        assert len(frames) == row["length"]
        start = row[f"videos/{key}/from_timestamp"]
        for index, (seconds, _) in enumerate(frames):
            assert abs(seconds - (start + index / meta["fps"])) < TOLERANCE_S
        first = frames[0][1].astype(int)
        assert first.shape == (240, 320, 3)
        assert first.std() > 10  # a table with things on it, not a blank picture
        changes = [np.abs(first - image).mean() for _, image in frames]
        assert max(changes) > 5  # the arm came into view
        assert 0.1 < changes[-1] < max(changes)  # and left it, a block moved
        assert row[f"videos/{key}/to_timestamp"] == pytest.approx(row["length"] / meta["fps"])


def test_statistics_cover_the_frames(exported: tuple[Path, list[dict]]) -> None:
    root, _ = exported
    stats = json.loads((root / "meta" / "stats.json").read_text())
    frames = info(root)["total_frames"]
    for key in ("observation.state", "action", "observation.tool_pose"):
        assert stats[key]["count"] == [frames]
        assert np.all(np.array(stats[key]["min"]) <= np.array(stats[key]["mean"]))
        assert np.all(np.array(stats[key]["mean"]) <= np.array(stats[key]["max"]))
    image = {k: np.array(v) for k, v in stats["observation.images.top"].items()}
    assert image["mean"].shape == image["std"].shape == (3, 1, 1)
    assert np.all((image["min"] >= 0) & (image["max"] <= 1) & (image["std"] > 0))
    assert image["count"].tolist() == [frames]


@pytest.mark.parametrize("case", ["not empty", "unwritable", "a file"])
def test_a_dataset_directory_that_cannot_be_used_is_refused(tmp_path: Path, case: str) -> None:
    directory = tmp_path / "dataset"
    if case == "not empty":
        directory.mkdir()
        (directory / "notes.txt").write_text("mine\n")
        needle = "is not empty"
    elif case == "unwritable":
        directory = Path("/sys/stackbot-dataset")  # read-only, for root too
        needle = "cannot write in /sys"
    else:
        directory.write_text("a file\n")
        needle = "is not a directory"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl",
                     "planner=scripted", f"export.lerobot={directory}")
    assert_one_line_error(result, "export.lerobot", needle)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing half-written


def test_a_benchmark_without_traces_cannot_export(tmp_path: Path) -> None:
    """Each episode is sampled in its trace directory: without them there is nowhere to."""
    from tools.bench.benchmark import run_benchmark

    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=[
            "planner=scripted", "tasks=pick_place_v1", "episodes=1", "traces=false", "label=t",
            f"results={tmp_path / 'r.jsonl'}", f"export.lerobot={tmp_path / 'dataset'}"])
    with pytest.raises(ValueError, match="export.lerobot needs traces=true"):
        run_benchmark(cfg)
    assert not (tmp_path / "dataset").exists() and not (tmp_path / "r.jsonl").exists()


def test_the_prompt_and_a_one_shot_command_export_their_episodes(tmp_path: Path) -> None:
    """Each command of the prompt is an episode of the dataset, and so is a one-shot command
    (the scripted planner without a goal says done() at once: one frame each, where the arm
    stands)."""
    from tests.test_interactive import NO_GOAL, run_session

    commands = ["put the red block in the blue bowl", "put the green block on the red block"]
    result = run_session(tmp_path, "\n".join(commands) + "\n", *NO_GOAL,
                         f"export.lerobot={tmp_path / 'prompt'}")
    assert result.returncode == 0, result.stderr
    assert f"LeRobot dataset {tmp_path / 'prompt'}: 2 episodes, 2 frames" in result.stdout
    assert [r["tasks"] for r in episodes(tmp_path / "prompt")] == [[c] for c in commands]
    result = run_cli(tmp_path, f"instruction={commands[0]}", *NO_GOAL,
                     f"export.lerobot={tmp_path / 'once'}")
    assert result.returncode == 0, result.stderr
    (row,) = episodes(tmp_path / "once")
    assert row["tasks"] == [commands[0]] and row["length"] == 1 and row["success"]
