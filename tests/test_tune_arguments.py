"""stackbot-tune's arguments, checked before anything is built or written: a value that cannot
train (NaN, infinite, out of range, no family left, no demonstration of one) is one line on
stderr and exit 2, with no PyBullet banner. No model needed: nothing gets as far as training."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from planner.saycan import TUNED_PROMPTS
from sim.tasks.registry import FAMILIES
from stackbot.tune import PROMPT_FORMS
from tests.test_cli_errors import STACKBOT
from tools.tune.train import TrainConfig

TUNE = str(Path(STACKBOT).with_name("stackbot-tune"))
EVERY_FAMILY = ["--exclude", *FAMILIES]

BAD = {
    "learning rate nan": (["--learning-rate", "nan"], "learning_rate must be a positive finite"),
    "learning rate inf": (["--learning-rate", "inf"], "learning_rate must be a positive finite"),
    "epochs nan": (["--epochs", "nan"], "epochs must be a positive finite number, got nan"),
    "epochs inf": (["--epochs", "inf"], "epochs must be a positive finite number, got inf"),
    "alpha nan": (["--alpha", "nan"], "alpha must be a positive finite number, got nan"),
    "recovery rate 5": (["--recovery-rate", "5"], "--recovery-rate must be between 0 and 1"),
    "recovery rate -1": (["--recovery-rate", "-1"], "--recovery-rate must be between 0 and 1"),
    "recovery rate nan": (["--recovery-rate", "nan"], "--recovery-rate must be between 0 and 1"),
    "max steps 0": (["--max-steps", "0"], "--max-steps must be at least 1, got 0"),
    "every family excluded": (EVERY_FAMILY, "--exclude leaves no family"),
    "zero demonstrations": (["--family-demos", "stack_order_v1=0"], "N at least 1"),
    "not a number": (["--epochs", "two"], "argument --epochs: invalid float value: 'two'"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_arguments_that_cannot_train_are_one_line(tmp_path: Path, name: str) -> None:
    args, needle = BAD[name]
    out = tmp_path / "run"
    done = subprocess.run([TUNE, *args, "--out", str(out)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("stackbot-tune: error: "), done.stderr
    assert needle in lines[0], lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("field", ["alpha", "learning_rate", "epochs"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 0.0, -1.0])
def test_train_config_refuses_what_cannot_train(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"{field} must be a positive finite number"):
        TrainConfig(**{field: value})  # type: ignore[arg-type]


def test_without_arguments_it_is_the_shipped_recipe() -> None:
    """Every default comes from the shipped adapter's manifest: its counts, suites, prompt form,
    refusals and hyper-parameters; families registered since are left out; a suite added to it
    brings its families at the recipe's most common count."""
    from stackbot.tune import parse
    from tools.tune.recipe import read_recipe

    recipe = read_recipe()
    args = parse([])
    assert args.counts == dict(recipe.counts)
    assert (tuple(args.suites), args.prompt_form, args.refusals, args.every_kind) == (
        recipe.suites, recipe.prompt_form, recipe.refusals, recipe.every_kind)
    assert (args.epochs, args.rank, args.learning_rate, args.recovery_rate) == (
        recipe.hyperparameters["epochs"], recipe.hyperparameters["rank"],
        recipe.hyperparameters["learning_rate"], recipe.recovery_rate)
    assert not set(args.exclude) & set(recipe.counts)
    wider = parse(["--every-kind", "--no-refusals"])
    assert "unseen_colors_v1" not in wider.exclude and not wider.refusals
    assert wider.per_family == recipe.typical_count
    tiny = parse(["--per-family", "2", "--family-demos", "exclusion_v1=3"])
    assert (tiny.per_family, tiny.counts, tiny.exclude) == (2, {"exclusion_v1": 3}, [])


def test_every_tuned_prompt_form_can_be_trained() -> None:
    assert PROMPT_FORMS == tuple(TUNED_PROMPTS)
