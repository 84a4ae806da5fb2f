"""Imports that must not happen: a real-arm client needs no simulator, the prompt cache no model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def modules_after_import(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `module` alone."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize("module", ["drivers.remote", "drivers.guard", "drivers.xarm",
                                    "drivers.ur", "drivers.example_driver",
                                    "drivers.arm_server"])
def test_arm_clients_and_drivers_need_no_simulator(module: str) -> None:
    loaded = modules_after_import(module)
    assert "pybullet" not in loaded
    assert not {m for m in loaded if m == "sim" or m.startswith("sim.")}


def test_the_prompt_cache_does_not_import_the_model_backend() -> None:
    assert "planner.llama_backend" not in modules_after_import("planner.prompt_cache")
