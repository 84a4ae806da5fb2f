"""Benchmark runs: resume skips recorded episodes, an episode that raises is recorded as a failure,
and the in-process, process-pool and Ray runners give the same per-episode results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_module

from records.results import ResultsFile
from sim.scene_gen import SceneSpec
from sim.tasks.task import Task
from skills.goals import In
from tools.bench.benchmark import run_benchmark, worker_config
from tools.bench.runners import LocalRunner
from tools.bench.worker import EpisodeWorker

pytestmark = pytest.mark.sim

SUITE = ["tasks=[pick_place_v1,stack_order_v1]", "episodes=2"]
COMPARED = ("key", "plan_success", "execution_success", "steps", "failure")


def bench_cfg(tmp_path: Path, *overrides: str):
    with initialize_config_module("conf", version_base="1.3"):
        return compose("bench", overrides=[
            "planner=scripted", "perception=oracle", "label=test", "progress=false",
            f"results={tmp_path / 'results.jsonl'}", *overrides])


def compared(records: list[dict[str, Any]]) -> list[tuple]:
    return sorted(tuple(json.dumps(r[k]) for k in COMPARED) for r in records)


def test_resume_skips_recorded_episodes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = bench_cfg(tmp_path, "tasks=pick_place_v1", "episodes=2")
    first = run_benchmark(cfg)
    assert len(first) == 2
    results = tmp_path / "results.jsonl"
    lines = results.read_text().splitlines()
    results.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])  # crashed mid-line
    capsys.readouterr()
    again = run_benchmark(cfg)
    out = capsys.readouterr().out
    assert "2 episodes, 1 already in" in out and "running 1 " in out
    assert "plan success: 100.0%" in out and "execution success: 100.0%" in out
    assert compared(again) == compared(first)
    for record in again:
        assert 0 < record["wall"]["finished"] - record["wall"]["started"] < 120
    assert len(ResultsFile(results).load()) == 2
    capsys.readouterr()
    run_benchmark(cfg)
    assert "running 0 " in capsys.readouterr().out
    assert (tmp_path / "results.md").exists() and (tmp_path / "results.png").exists()


def test_an_episode_that_raises_is_a_recorded_failure(tmp_path: Path) -> None:
    broken = Task("broken_v1", 0, "put the red block in the blue bowl",
                  SceneSpec(("red",), ("blue",)), (In("red block", "green bowl"),))
    good = Task("ok_v1", 0, "put the red block in the blue bowl",
                SceneSpec(("red",), ("blue",)), (In("red block", "blue bowl"),))
    got: list[dict[str, Any]] = []
    LocalRunner(1).run([broken, good], worker_config(bench_cfg(tmp_path)), got.append)
    assert got[0]["failure"].startswith("error: KeyError") and "Traceback" in got[0]["traceback"]
    assert got[1]["execution_success"] and got[1]["plan_success"]
    assert got[1]["perceived_success"] and got[0]["perceived_success"] is None


def test_runners_agree(tmp_path: Path) -> None:
    in_process = run_benchmark(bench_cfg(tmp_path / "a", *SUITE))
    pool = run_benchmark(bench_cfg(tmp_path / "b", *SUITE, "runner.workers=2"))
    ray_run = run_benchmark(bench_cfg(tmp_path / "c", *SUITE, "runner=ray", "runner.workers=2"))
    assert len(in_process) == 4
    assert compared(in_process) == compared(pool) == compared(ray_run)


def test_worker_splits_the_cores_between_model_threads(tmp_path: Path) -> None:
    cfg = worker_config(bench_cfg(tmp_path, "planner=saycan"))
    assert EpisodeWorker(cfg, n_threads=1).cfg.llm.n_threads == 1


def test_model_threads_per_worker_are_configurable() -> None:
    assert LocalRunner(2, threads=1).threads == 1
    assert LocalRunner(1).threads == (os.cpu_count() or 1)
    with pytest.raises(ValueError, match="threads per worker"):
        LocalRunner(1, threads=0)


@pytest.mark.parametrize(("override", "message"), [
    ("llm.model_path=/no/such/model.gguf", "GGUF model file not found"),
    ("runner.workers=0", "workers must be at least 1"),
])
def test_a_bad_configuration_stops_the_run_before_any_episode(
        tmp_path: Path, override: str, message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stackbot.bench", "tasks=pick_place_v1", "episodes=1",
         "progress=false", f"results={tmp_path / 'r.jsonl'}", "label=x", override],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stackbot-bench: error: ")
    assert message in lines[0]
    assert not (tmp_path / "r.jsonl").exists()


def test_every_episode_leaves_its_trace(tmp_path: Path) -> None:
    records = run_benchmark(bench_cfg(tmp_path, "tasks=pick_place_v1", "episodes=2",
                                      "runner.workers=2", "episode_pictures=all"))
    for record in records:
        directory = tmp_path / record["trace"]
        steps = (directory / "trace.jsonl").read_text().splitlines()
        assert len(steps) == record["n_steps"]
        assert [json.loads(line)["chosen"] for line in steps] == record["steps"]
        summary = json.loads((directory / "summary.json").read_text())
        assert summary["task"]["key"] == record["key"]
        assert (directory / "frames" / "episode.png").stat().st_size > 0
    untraced = run_benchmark(bench_cfg(tmp_path / "off", "tasks=pick_place_v1", "episodes=1",
                                       "traces=false"))
    assert untraced[0]["trace"] is None and not (tmp_path / "off" / "results").exists()
    with pytest.raises(ValueError, match="episode_pictures"):
        run_benchmark(bench_cfg(tmp_path / "bad", "tasks=pick_place_v1", "episode_pictures=some"))
