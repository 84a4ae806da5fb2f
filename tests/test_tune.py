"""stackbot-tune on a tiny budget: the loss falls, the GGUF adapter loads in llama.cpp and its
log-probabilities agree with torch's within the quantisation error measured without it; and
without the tuning extra, one line saying what to install."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planner.llama_backend import LlamaCppModel
from stackbot.tune import main

pytestmark = pytest.mark.model


def test_a_tiny_tuning_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["--per-family", "2", "--family-demos", "exclusion_v1=3",
                 "--validation-per-family", "1", "--max-steps", "3",
                 "--learning-rate", "1e-3", "--out", str(out), "--no-progress",
                 "--no-every-kind"]) == 0
    assert "step 3/3, loss " in capsys.readouterr().out  # without the bar, a line in the log
    manifest = json.loads((out / "manifest.json").read_text())
    evaluation = manifest["evaluation"]
    assert evaluation["steps"] == 3
    assert evaluation["validation_loss_after"] < evaluation["validation_loss_before"]
    assert evaluation["max_diff_with_adapter"] <= 1.5 * evaluation["max_diff_without_adapter"]
    assert manifest["data"]["seeds"][0] >= 1_000_000
    assert manifest["data"]["per_family"]["exclusion_v1"] == 3
    assert manifest["data"]["per_family"]["pick_place_v1"] == 2
    assert "unseen_colors_v1" not in manifest["data"]["families"]  # kept unseen without every kind
    for name in ("loss.png", "loss.jsonl", "demonstrations.jsonl"):
        assert (out / name).stat().st_size > 0
    with LlamaCppModel(adapter=out / "adapter.gguf", prompt_cache_dir=None) as model:
        assert model.prompt_form == manifest["prompt"]


def test_without_the_tuning_extra_one_line_says_what_to_install() -> None:
    code = ("import sys; sys.modules['peft'] = None; from stackbot.tune import main; "
            "raise SystemExit(main(['--per-family', '1']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'stackbot[tune]'" in lines[0], result.stderr
