"""A rerun recording (`record.rerun=`) and the file of spans (`telemetry=file`) of a real episode
(the scripted planner, oracle perception, PyBullet DIRECT), written the way `stackbot` writes them
and read back: entity paths, frames, arm samples; spans whose times nest."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("rerun")
pytest.importorskip("opentelemetry.sdk")

from hydra import compose, initialize_config_module  # noqa: E402
from rerun.chunk import RrdReader  # noqa: E402

from agent.session import SimSession, open_session  # noqa: E402
from records.observers.rerun_recording import ARM_TIME  # noqa: E402
from records.observers.settings import TRACES_FILE  # noqa: E402
from sim.scene_gen import SceneSpec  # noqa: E402
from skills.goals import In  # noqa: E402
from tools.command import open_recorder, run_command  # noqa: E402

pytestmark = pytest.mark.sim

SCENE = SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=0)
INSTRUCTION = "put the red block in the blue bowl"


@pytest.fixture(scope="module")
def session() -> Iterator[SimSession]:
    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("config", overrides=[
            "planner=scripted", "perception=oracle", "instruction=unused", "telemetry=file",
            "record.rerun=episode.rrd"])
    session = open_session(cfg, load_model=False)
    yield session
    session.close()


@pytest.fixture(scope="module")
def run_dir(session: SimSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("run")
    session.planner.set_goal((In("red block", "blue bowl"),))
    session.reset(SCENE)
    episode = run_command(session, INSTRUCTION, open_recorder(session.cfg, run_dir))
    assert [r.step.option.text for r in episode.records] == [
        "robot.pick_and_place(red block, blue bowl)", "done()"]
    return run_dir


def rows_by_entity(path: Path) -> Counter[str]:
    """Rows logged on the timelines (static ones left out), by entity path."""
    rows: Counter[str] = Counter()
    for chunk in RrdReader(path).stream().to_chunks():
        if not chunk.is_static:
            rows[chunk.entity_path] += chunk.num_rows
    return rows


def test_the_recording_is_written_and_read_back(run_dir: Path) -> None:
    path = run_dir / "episode.rrd"
    assert [r.application_id for r in RrdReader(path).recordings()] == ["stackbot"]
    rows = rows_by_entity(path)
    assert rows["/world/camera/top/image"] == 2  # the frame before each step
    assert rows["/world/camera/top/image/detections"] == 2
    assert rows["/world/objects"] == 2
    assert rows["/plan/scores"] == 2 and rows["/plan/chosen_score"] == 2
    assert rows["/world/tool"] == rows["/arm/joints"]
    assert rows["/world/targets"] >= 4  # the pick and place poses
    assert {"/plan/options", "/log", "/arm/tool_position", "/arm/gripper_width"} <= set(rows)


def test_the_arm_is_sampled_at_least_20_times_per_second_of_motion(
        run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """From the simulator's physics steps (ARM_SAMPLES_HZ of simulated time), not 3 per
    episode: on the `arm_time` timeline no two samples are more than 1/20 s apart. Run with
    -s to see the figures."""
    times = sorted(value.value / 1e9 for chunk in RrdReader(run_dir / "episode.rrd").stream()
                   .to_chunks() if chunk.entity_path == "/arm/joints"
                   for value in chunk.to_record_batch().column(ARM_TIME))
    motion_seconds = times[-1] - times[0]
    gap = max(b - a for a, b in zip(times, times[1:], strict=False))
    with capsys.disabled():
        print(f"\nrerun: {len(times)} arm samples over {motion_seconds:.2f} s of motion = "
              f"{(len(times) - 1) / motion_seconds:.1f} per second, at most {gap * 1000:.1f} ms "
              "apart")
    assert motion_seconds > 3.0  # a pick and place, in simulated seconds
    assert (len(times) - 1) / motion_seconds >= 20
    assert gap <= 1 / 20


def test_the_spans_of_the_episode_are_in_the_run_directory(run_dir: Path) -> None:
    lines = (run_dir / TRACES_FILE).read_text().splitlines()
    spans = [span for line in lines for resource in json.loads(line)["resourceSpans"]
             for scope in resource["scopeSpans"] for span in scope["spans"]]
    by_id = {span["spanId"]: span for span in spans}
    names = Counter(span["name"] for span in spans)
    assert names["invoke_agent stackbot"] == 1 and names["step 0"] == names["step 1"] == 1
    assert names["perceive"] == names["plan"] == 2 and names["execute"] == 1
    primitives = [s for s in spans if s["name"].startswith("primitive ")]
    assert primitives and {by_id[s["parentSpanId"]]["name"] for s in primitives} == {"execute"}
    for span in spans:  # every span inside its parent
        parent = by_id.get(span.get("parentSpanId", ""))
        if parent is not None:
            assert int(parent["startTimeUnixNano"]) <= int(span["startTimeUnixNano"])
            assert int(span["endTimeUnixNano"]) <= int(parent["endTimeUnixNano"])


def test_each_benchmark_episode_has_its_spans_and_recording(tmp_path: Path) -> None:
    from tools.bench.benchmark import run_benchmark

    with initialize_config_module("conf", version_base="1.3"):
        cfg = compose("bench", overrides=[
            "planner=scripted", "perception=oracle", "label=test", "progress=false",
            f"results={tmp_path / 'results.jsonl'}", "tasks=pick_place_v1", "episodes=1",
            "telemetry=file", "record.rerun=episode.rrd"])
    (result,) = run_benchmark(cfg)
    directory = tmp_path / result["trace"]
    assert rows_by_entity(directory / "episode.rrd")["/world/camera/top/image"] >= 2
    lines = (directory / TRACES_FILE).read_text().splitlines()
    names = [span["name"] for line in lines for resource in json.loads(line)["resourceSpans"]
             for scope in resource["scopeSpans"] for span in scope["spans"]]
    assert names.count("invoke_agent stackbot") == 1 and names.count("plan") == result["n_steps"]
