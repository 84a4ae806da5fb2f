"""`planner.min_confidence`: below it the robot does not move on a guess. With the real embedded
model on a symbolic scene, then the real console scripts (one-shot and the prompt, PyBullet
DIRECT); bad values are one line and exit status 2 before anything runs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.llama_backend import LlamaCppModel
from planner.saycan import SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from tests.skill_sets import SKILLS
from tests.test_cli_errors import STACKBOT, assert_nothing_ran, assert_one_line_error, run_cli
from tools.timing.scenes import make_scene

VAGUE = "do something nice with the blocks"


@pytest.mark.parametrize("value", ["1.5", "-0.1", "1", "abc", "null", "true"])
def test_a_threshold_outside_0_1_is_one_line_and_exit_2(tmp_path: Path, value: str) -> None:
    result = run_cli(tmp_path, "instruction=put the red block in the blue bowl",
                     f"planner.min_confidence={value}")
    assert_one_line_error(result, "planner.min_confidence must be")
    assert_nothing_ran(tmp_path)


@pytest.fixture(scope="module")
def model() -> Iterator[LlamaCppModel]:
    with LlamaCppModel() as llm:
        yield llm


@pytest.mark.model
def test_below_the_threshold_the_step_is_an_unsure_guess_either_search(
        model: LlamaCppModel) -> None:
    scene = make_scene("red block", "green block", "blue bowl", "yellow bowl")
    options = AffordanceModel(done_prior=0.5).afford(enumerate_options(scene, SKILLS), scene,
                                                     skills=SKILLS)
    steps = {}
    for search in ("best_first", "exhaustive"):
        planner = SayCanPlanner(model, skills=SKILLS, search=search, min_confidence=0.99,
                                require_grounded=False)
        steps[search] = step = planner.next_step(VAGUE, scene, options)
        assert step.unsure and step.p is not None and step.p < 0.99
        assert not step.option.is_done and step.option == step.scored[0].option
        assert "below planner.min_confidence 0.99" in step.note
        assert planner.records[-1].unsure and planner.records[-1].p == step.p
        assert SayCanPlanner(model, skills=SKILLS, search=search, require_grounded=False
                             ).next_step(VAGUE, scene, options).unsure is False
    best_first, exhaustive = steps["best_first"], steps["exhaustive"]
    assert best_first.option == exhaustive.option
    assert best_first.p <= exhaustive.p + 1e-6  # a lower bound after best-first


@pytest.mark.model
def test_done_is_never_unsure(model: LlamaCppModel) -> None:
    scene = make_scene("red block", "blue bowl")
    done = [a for a in AffordanceModel().afford(enumerate_options(scene, SKILLS), scene,
                                                skills=SKILLS) if a.option.is_done]
    step = SayCanPlanner(model, skills=SKILLS, min_confidence=0.999).next_step(
        "put the red block in the blue bowl", scene, done)
    assert step.option.is_done and not step.unsure


def _session(tmp_path: Path, lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STACKBOT, *args, "hydra.run.dir=run", "planner.min_confidence=0.99"],
                          cwd=tmp_path, input=lines, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.sim
@pytest.mark.model
def test_a_one_shot_run_ends_with_the_one_unsure_line(tmp_path: Path) -> None:
    result = _session(tmp_path, "", f"instruction={VAGUE}")
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("not sure what to do next: best guess robot.")
    assert last.endswith("; rephrase the command") and " at p = 0." in last
    assert result.stdout.count("not sure what to do next") == 1
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "unsure" and not summary["moved"]
    assert summary["message"] == last
    trace = [json.loads(line) for line in (tmp_path / "run" / "trace.jsonl").read_text()
             .splitlines()]
    assert len(trace) == 1 and trace[0]["unsure"] and trace[0]["result"] is None
    assert "planner.min_confidence" in trace[0]["note"]
    call = json.loads((tmp_path / "run" / "llm_calls.jsonl").read_text().splitlines()[0])
    assert call["unsure"] and "planner.min_confidence" in call["note"]


@pytest.mark.sim
@pytest.mark.model
def test_the_prompt_asks_and_no_is_the_default(tmp_path: Path) -> None:
    result = _session(tmp_path, f"{VAGUE}\n\n{VAGUE}\ny\n")  # then end of input: no
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("carry it out? [y/N]") >= 2
    run = tmp_path / "run"
    first, second = sorted(p for p in run.iterdir() if p.is_dir() and p.name[0].isdigit())
    said_no = json.loads((first / "summary.json").read_text())
    assert said_no["status"] == "unsure" and not said_no["moved"]
    said_yes = [json.loads(line) for line in (second / "trace.jsonl").read_text().splitlines()]
    assert said_yes[0]["result"] is not None and "confirmed" in said_yes[0]["note"]
