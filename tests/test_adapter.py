"""The planning adapter in llama.cpp: exact trie scoring with it loaded, its prompt form, the
prompt cache keyed by it, and every bad adapter file refused in one line before anything moves."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perception.types import Detection, Scene
from planner.llama_backend import SHIPPED_ADAPTER, LlamaCppModel
from planner.llama_runtime import AdapterError
from planner.prompt import PromptBuilder
from planner.saycan import SayCanPlanner, prompt_for
from skills.options import enumerate_options
from skills.workspace import Workspace
from tests.llm_servers import write_tiny_gguf
from tests.skill_sets import SKILLS
from tools.tune.recipe import read_recipe

pytestmark = pytest.mark.model
STACKBOT = shutil.which("stackbot") or str(Path(sys.executable).with_name("stackbot"))


def _scene() -> Scene:
    objects = (Detection("red", "block", (0.4, 0.1, 0.02)),
               Detection("green", "block", (0.5, -0.1, 0.02)),
               Detection("blue", "bowl", (0.6, 0.0, 0.0)))
    return Scene(objects, Workspace().named_locations())


@pytest.fixture(scope="module")
def tuned() -> LlamaCppModel:
    with LlamaCppModel(adapter="default", prompt_cache_dir=None) as model:
        yield model


def test_the_default_adapter_ships_and_sets_the_prompt(tuned: LlamaCppModel) -> None:
    assert SHIPPED_ADAPTER.is_file() and SHIPPED_ADAPTER.stat().st_size < 16 * 2**20
    assert tuned.adapter_path == str(SHIPPED_ADAPTER)
    assert tuned.prompt_form == read_recipe().prompt_form
    planner = SayCanPlanner(tuned, skills=SKILLS)
    assert planner.prompt_builder.scene_feedback and not planner.prompt_builder.examples
    untold = SayCanPlanner(tuned, scene_feedback=False, skills=SKILLS)
    assert untold.prompt_builder.scene_feedback is False


def test_trie_scores_equal_naive_with_the_adapter(tuned: LlamaCppModel) -> None:
    scene = _scene()
    builder = prompt_for(tuned)
    prompt = builder.build("put the red block in the blue bowl", scene)
    options = [o for o in enumerate_options(scene, SKILLS) if o.is_done or o.args[0] == "red block"]
    texts = [builder.continuation(o) for o in options[:5] + options[-1:]]  # naive is slow
    fast, naive = tuned.score(prompt, texts), tuned.score_naive(prompt, texts)
    diffs = [abs(a.logprob - b.logprob) for a, b in zip(fast, naive, strict=True)]
    assert max(diffs) < 1e-3
    best = texts[int(np.argmax([s.logprob for s in fast]))]
    assert best == "robot.pick_and_place(red block, blue bowl)\n"


def test_the_adapter_changes_scores_and_the_cache_key(tmp_path: Path,
                                                      tuned: LlamaCppModel) -> None:
    prompt = PromptBuilder(examples=(), scene_feedback=True).build("stack all the blocks",
                                                                   _scene())
    with LlamaCppModel(prompt_cache_dir=tmp_path) as base:
        assert base.prompt_form is None and base.adapter_path is None
        plain = base.score(prompt, ["done()\n"])[0].logprob
        with_tuned = LlamaCppModel(adapter="default", prompt_cache_dir=tmp_path)
        try:
            assert abs(with_tuned.score(prompt, ["done()\n"])[0].logprob - plain) > 0.1
            settings = {"n_ctx": 1024}
            key = base.prompt_cache.path_for(base.model_path, settings | {"adapter": ""}, [1])
            other = base.prompt_cache.path_for(base.model_path, settings | {
                "adapter": with_tuned.adapter_sha256}, [1])
            assert key != other and with_tuned.adapter_sha256
        finally:
            with_tuned.close()


def test_default_adapter_is_none_for_another_model(tmp_path: Path) -> None:
    other = write_tiny_gguf(tmp_path / "tiny.gguf")
    with LlamaCppModel(other, adapter="default", prompt_cache_dir=None) as model:
        assert model.adapter_path is None and model.prompt_form is None


@pytest.mark.parametrize("problem", ["missing", "not gguf", "damaged", "another base"])
def test_bad_adapter_is_one_line_before_anything_moves(tmp_path: Path, problem: str) -> None:
    adapter = tmp_path / "adapter.gguf"
    model_args = []
    if problem == "not gguf":
        adapter.write_bytes(b"PK\x03\x04 a zip file")
    elif problem == "damaged":
        adapter.write_bytes(SHIPPED_ADAPTER.read_bytes()[:100_000])
    elif problem == "another base":
        shutil.copy(SHIPPED_ADAPTER, adapter)
        model_args = [f"llm.model_path={write_tiny_gguf(tmp_path / 'tiny.gguf')}"]
    if problem != "missing":
        with pytest.raises(AdapterError, match="adapter.gguf"):
            LlamaCppModel(*(a.split("=", 1)[1] for a in model_args), adapter=adapter,
                          prompt_cache_dir=None)
    result = subprocess.run(
        [STACKBOT, "instruction=put the red block in the blue bowl", f"llm.adapter={adapter}",
         *model_args], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "adapter" in lines[0] and str(adapter) in lines[0], lines
    assert not list(tmp_path.rglob("trace.jsonl"))
