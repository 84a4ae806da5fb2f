"""Bad input at the command line: a clear one-line error, exit status 2, and nothing runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STACKBOT = shutil.which("stackbot") or str(Path(sys.executable).with_name("stackbot"))


def run_cli(tmp_path: Path, *args: str,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs the installed console script from an unrelated working directory."""
    return subprocess.run(
        [STACKBOT, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stackbot: error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr


def assert_nothing_ran(tmp_path: Path) -> None:
    assert not list(tmp_path.rglob("trace.jsonl"))
    assert not list(tmp_path.rglob("*.png"))


def test_missing_instruction(tmp_path: Path) -> None:
    result = run_cli(tmp_path)
    assert_one_line_error(result, "missing instruction")
    assert_nothing_ran(tmp_path)


@pytest.mark.parametrize("instruction", ["", "   "])
def test_empty_instruction(tmp_path: Path, instruction: str) -> None:
    result = run_cli(tmp_path, f"instruction={instruction}")
    assert_one_line_error(result, "instruction is empty")
    assert_nothing_ran(tmp_path)


@pytest.mark.parametrize("group", ["llm", "perception", "robot", "scene"])
def test_unknown_config_group_value(tmp_path: Path, group: str) -> None:
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", f"{group}=nope")
    assert_one_line_error(result, f"unknown {group} 'nope'", "choose from")
    assert_nothing_ran(tmp_path)


def test_gguf_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model.gguf"
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl",
                     f"llm.model_path={missing}")
    assert_one_line_error(result, str(missing))
    assert_nothing_ran(tmp_path)


def test_file_that_is_not_gguf(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_text("this is not a model\n")
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl",
                     f"llm.model_path={fake}")
    assert_one_line_error(result, str(fake), "GGUF")
    assert_nothing_ran(tmp_path)


def test_openai_endpoint_that_is_down(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", "llm=openai",
                     f"llm.base_url=http://127.0.0.1:{port}/v1", "llm.retries=0")
    assert_one_line_error(result, "cannot reach the LLM endpoint", f"127.0.0.1:{port}")
    assert_nothing_ran(tmp_path)


def test_openai_api_key_variable_missing(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", "llm=openai",
                     "llm.api_key_env=STACKBOT_NO_SUCH_KEY_VARIABLE")
    assert_one_line_error(result, "STACKBOT_NO_SUCH_KEY_VARIABLE", "not set")
    assert_nothing_ran(tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY is an X11 matter")
def test_gui_without_a_display(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", "sim.gui=true",
                     env=env)
    assert_one_line_error(result, "sim.gui=true needs a display", "DISPLAY")
    assert_nothing_ran(tmp_path)


def test_an_arm_that_cannot_connect(tmp_path: Path) -> None:
    """The xArm config without its SDK (or with nothing at the address): one line, no motion."""
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl", "robot=xarm",
                     "robot.ip=127.0.0.1")
    assert_one_line_error(result, "arm: ")
    assert not list(tmp_path.rglob("trace.jsonl"))


def test_arm_server_without_a_token(tmp_path: Path) -> None:
    server = str(Path(STACKBOT).with_name("stackbot-arm-server"))
    env = {k: v for k, v in os.environ.items() if k != "STACKBOT_ARM_TOKEN"}
    result = subprocess.run([server, "robot=panda_sim"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["stackbot-arm-server: error: no arm server token: set $STACKBOT_ARM_TOKEN"]
