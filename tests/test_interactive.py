"""`stackbot` without `instruction=`: the real console script in a subprocess, its stdin a pipe,
commands one after another on the same table (PyBullet DIRECT). The scripted planner stands in for
the language model except in the one end-to-end test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from tests.test_cli_errors import STACKBOT, assert_one_line_error
from tests.test_run_dir import TWO_MOVES

pytestmark = pytest.mark.sim

NO_GOAL = ("planner=scripted", "perception=oracle")  # the scripted planner says done() at once
SLOW_ARM = ("robot.safety.max_linear_speed=0.02", "robot.safety.max_joint_speed=0.12")
PROMPT = "stackbot> "
STOPPED = "stopped: interrupted; the arm is stopped"


def run_session(tmp_path: Path, lines: str, *args: str,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STACKBOT, *args, "hydra.run.dir=run"], cwd=tmp_path, input=lines,
                          capture_output=True, text=True, timeout=timeout)


def summary(directory: Path) -> dict:
    return json.loads((directory / "summary.json").read_text())


def trace(directory: Path) -> list[dict]:
    return [json.loads(line) for line in (directory / "trace.jsonl").read_text().splitlines()]


class Transcript:
    """Everything the process writes to stdout, read as it comes (a prompt has no newline)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.text = ""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._reader.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1):
            with self._changed:
                self.text += chunk
                self._changed.notify_all()

    def wait_for(self, needle: str, count: int = 1, timeout: float = 120) -> None:
        with self._changed:
            found = self._changed.wait_for(lambda: self.text.count(needle) >= count, timeout)
        assert found, f"no {count} x {needle!r} in:\n{self.text}"

    def close(self) -> None:
        self._reader.join(10)


def test_end_of_input_at_once_exits_0_and_runs_nothing(tmp_path: Path) -> None:
    result = run_session(tmp_path, "", *NO_GOAL)
    assert result.returncode == 0, result.stderr
    assert "help, quit (or Ctrl-D)" in result.stdout
    assert result.stdout.rstrip().endswith(PROMPT.rstrip())
    assert not list((tmp_path / "run").rglob("trace.jsonl"))


def test_commands_share_the_table_and_each_has_its_record(tmp_path: Path) -> None:
    lines = ("\n   \nhelp\nthe  moon\nscene\nput the red block in the blue bowl\nquit\n"
             "this line is never read\n")
    result = run_session(tmp_path, lines, *NO_GOAL)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("help, quit (or Ctrl-D)") == 2  # at the start and for `help`
    assert f"{PROMPT}the  moon\nrecord: " in out
    assert out.count("outcome: the planner chose done() after 0 executed step(s)") == 2
    assert f"{PROMPT}scene\nobjects = [red block" in out
    assert "never read" not in out

    run = tmp_path / "run"
    commands = sorted(p.name for p in run.iterdir() if p.is_dir() and p.name != ".hydra")
    assert commands == ["01-the-moon", "02-put-the-red-block-in-the-blue-bowl"]
    for name in commands:
        directory = run / name
        assert [line["chosen"] for line in trace(directory)] == ["done()"]
        assert (directory / "frames" / "episode.png").is_file()
        assert not summary(directory)["interrupted"]
    assert summary(run / commands[0])["instruction"] == "the moon"  # runs of spaces: one


def test_reset_draws_a_random_scene_with_the_next_seed(tmp_path: Path) -> None:
    result = run_session(tmp_path, "reset\nreset\n", *NO_GOAL, "scene=random", "scene.seed=7")
    assert result.returncode == 0, result.stderr
    seeds = [line.rsplit("seed ", 1)[1] for line in result.stdout.splitlines()
             if line.startswith("scene: blocks")]
    assert seeds == ["7", "8", "9"]


def test_a_run_directory_that_cannot_be_written_ends_the_session(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "01-the-moon").write_text("a file where the record would go\n")
    result = run_session(tmp_path, "the moon\nscene\n", *NO_GOAL)
    assert_one_line_error(result, "cannot create the run directory", "01-the-moon")
    assert f"{PROMPT}scene" not in result.stdout


def at_a_terminal() -> None:
    """Ctrl-C as at a terminal: a shell that starts the tests in the background ignores SIGINT,
    and the child would inherit that (Python then installs no KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_the_arm_and_returns_to_the_prompt(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [STACKBOT, "planner=scripted", "perception=oracle", TWO_MOVES, *SLOW_ARM,
         "hydra.run.dir=run"], cwd=tmp_path, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=at_a_terminal)
    assert proc.stdin is not None
    transcript = Transcript(proc)
    try:
        transcript.wait_for(PROMPT)
        proc.stdin.write("put the red block in the blue bowl\n")
        proc.stdin.flush()
        transcript.wait_for("  check [ok]: red block seen in blue bowl")  # now the second move
        proc.send_signal(signal.SIGINT)
        transcript.wait_for(STOPPED)
        transcript.wait_for(PROMPT, count=2)
        proc.send_signal(signal.SIGINT)  # at the prompt: a new prompt line
        transcript.wait_for(f"{PROMPT}\n{PROMPT}")
        proc.stdin.write("scene\n")
        proc.stdin.flush()
        transcript.wait_for(f"{PROMPT}scene\nobjects = [")
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
        transcript.close()
    out = transcript.text
    assert out.count(STOPPED) == 1
    assert "outcome: interrupted by Ctrl-C (the arm stopped) after 1 executed step(s)" in out
    assert "Traceback" not in out

    record = tmp_path / "run" / "01-put-the-red-block-in-the-blue-bowl"
    done = summary(record)
    assert done["interrupted"] and not done["finished"]
    assert done["steps"] == ["robot.pick_and_place(red block, blue bowl)"]  # the cut one is not
    assert (record / "frames" / "final_top.png").is_file()  # where the arm stopped


@pytest.mark.model
def test_the_language_model_plans_each_command_on_the_table_the_last_one_left(
        tmp_path: Path) -> None:
    too_long = "put the red block in the blue bowl " * 1000
    lines = ("put the red block in the blue bowl\nput the green block in the gray bowl\n"
             f"{too_long}\nreset\nscene\n")
    result = run_session(tmp_path, lines, timeout=900)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    first, second = out.split("record: ")[1:3]
    assert "> robot.pick_and_place(red block, blue bowl)" in first
    assert "outcome: the planner chose done() after 1 executed step(s)" in first
    assert "step 1: " in second
    assert "state = [red block in blue bowl" in second.split("step 1: ")[1]  # the first's result
    assert "> robot.pick_and_place(green block, gray bowl)" in second
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "context window" in errors[0]
    after_reset = out.split(f"{PROMPT}reset\n")[1]
    assert "state = [red block on the table, green block on the table" in after_reset

    run = tmp_path / "run"
    assert summary(run / "01-put-the-red-block-in-the-blue-bowl")["finished"]
    second_steps = trace(run / "02-put-the-green-block-in-the-gray-bowl")
    assert "red block in blue bowl" in second_steps[0]["state"]
    assert len((run / "01-put-the-red-block-in-the-blue-bowl" / "llm_calls.jsonl")
               .read_text().splitlines()) == 2
