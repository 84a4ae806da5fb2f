"""The embedded llama.cpp backend: path validation, exact fast scoring, context overflow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from perception.types import Detection, Scene
from planner.llama_backend import LlamaCppModel, validate_gguf_path
from planner.llm import ContextOverflowError, LanguageModel
from planner.prompt import PromptBuilder
from planner.trie import common_prefix, partition
from skills.options import enumerate_options
from skills.workspace import Workspace


def test_missing_model_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(FileNotFoundError, match="nope.gguf"):
        LlamaCppModel(missing)


def test_non_gguf_file_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 definitely a zip")
    with pytest.raises(ValueError, match="not a GGUF file.*model.gguf"):
        validate_gguf_path(fake)
    with pytest.raises(ValueError, match="not a GGUF file"):
        LlamaCppModel(fake)


def test_partition_keeps_shared_prefixes_together() -> None:
    options = [[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 6, 7], [9, 9], [1, 2, 3, 4, 8]]
    groups = partition(options, max_group=3)
    assert sorted(i for g, _ in groups for i in g) == list(range(5))
    for group, lcp in groups:
        members = [options[i] for i in group]
        assert len(group) <= 3
        assert lcp <= common_prefix(members) and all(len(m) > lcp for m in members)
    assert any(set(g) == {0, 1, 4} and lcp == 3 for g, lcp in groups)


@pytest.fixture(scope="module")
def model() -> Iterator[LlamaCppModel]:
    with LlamaCppModel() as m:
        yield m


def _scene() -> Scene:
    objects = (
        Detection("red", "block", (0.35, -0.2, 0.02)),
        Detection("green", "block", (0.46, 0.12, 0.02)),
        Detection("yellow", "block", (0.6, -0.08, 0.02)),
        Detection("blue", "bowl", (0.4, 0.02, 0.0)),
        Detection("red", "bowl", (0.55, 0.2, 0.0)),
    )
    return Scene(objects, Workspace().named_locations())


@pytest.mark.model
def test_model_satisfies_protocol(model: LlamaCppModel) -> None:
    assert isinstance(model, LanguageModel)
    assert model.name.endswith(".gguf")


@pytest.mark.model
def test_optimised_scores_equal_naive(model: LlamaCppModel) -> None:
    scene = _scene()
    options = enumerate_options(scene)
    texts = [o.text + "\n" for o in options[::4]] + ["done()\n"]  # ~11, several shared prefixes
    assert len(texts) >= 10
    builder = PromptBuilder()
    history = [options[0].text]
    for prompt in (builder.build("put the green block on the yellow block", scene),
                   builder.build("put the green block on the yellow block", scene, history)):
        fast = model.score(prompt, texts)  # the second prompt extends the cached first one
        naive = model.score_naive(prompt, texts)
        again = model.score(prompt, texts)  # after naive scoring wiped the cache
        for f, n, a in zip(fast, naive, again, strict=True):
            assert f.n_tokens == n.n_tokens == len(f.token_logprobs) > 0
            assert abs(f.logprob - n.logprob) < 1e-3
            assert abs(a.logprob - n.logprob) < 1e-3
            assert f.logprob < 0


@pytest.mark.model
def test_context_overflow_is_an_error_not_a_crash() -> None:
    with LlamaCppModel(n_ctx=64, n_seq_max=2) as small:
        with pytest.raises(ContextOverflowError, match="n_ctx=64"):
            small.score("objects = [red block]\n" * 20, ["done()\n"])
        assert small.score("# hello.\n", ["done()\n"])[0].n_tokens > 0  # still usable
