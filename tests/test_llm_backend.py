"""The embedded llama.cpp backend: path validation, exact fast scoring, context overflow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from perception.types import Detection, Scene
from planner.llama_backend import LlamaCppModel, validate_gguf_path
from planner.llm import ContextOverflowError, LanguageModel
from planner.prompt import PromptBuilder
from planner.trie import build_segments, common_prefix, schedule, width
from skills.options import enumerate_options
from skills.workspace import Workspace
from tests.skill_sets import FEW_SHOT, SKILLS


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


def _simulate(options: list[list[int]], n_streams: int, n_batch: int, min_shared: int) -> None:
    """Run the schedule on pretend KV streams (token lists) and check what each decode sees."""
    segments = build_segments(options, min_shared=min_shared, max_len=n_batch // 2)
    streams: dict[int, list[int]] = {0: []}
    logits: dict[tuple[int, ...], int] = {}
    for slots in schedule(segments, n_streams, n_batch):
        ids = [slot.stream for slot in slots]
        assert ids == list(range(ids[0], ids[0] + len(ids))) and ids[0] >= 1  # one micro-batch
        w = width(segments, slots)
        assert 8 <= w * len(slots) <= n_batch
        copies = {slot.stream: list(streams[slot.copy_from]) for slot in slots}
        for slot in slots:
            seg = segments[slot.segment]
            held = copies[slot.stream]
            assert len(held) == seg.start  # the parent's path, nothing more
            streams[slot.stream] = held + list(seg.tokens)
            for j, wanted in enumerate(seg.want):
                if wanted:
                    node = tuple(held + list(seg.tokens[:j + 1]))
                    assert node not in logits
                    logits[node] = 1
    ends = {tuple(o) for o in options}
    for o in options:  # every token after the first has its logits computed exactly once
        for j in range(1, len(o)):
            assert tuple(o[:j]) in logits
        assert tuple(o) not in logits or any(len(p) > len(o) and tuple(p[:len(o)]) in ends
                                             for p in options)


def test_trie_schedule_on_pretend_streams() -> None:
    options = [[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 6, 7], [9, 9], [1, 2, 3, 4, 8], [1, 2],
               [1, 2, 3, 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8], [7]]
    for min_shared in (1, 2, 3):
        for n_streams, n_batch in ((4, 16), (8, 64), (31, 512)):
            _simulate(options, n_streams, n_batch, min_shared)
    wide = [[5, 6, 7, a, b, 3] for a in range(10) for b in range(12)] + [[4, 4]]
    _simulate(wide, 31, 512, 2)
    _simulate(wide, 31, 64, 2)
    assert common_prefix([[1, 2, 3], [1, 2, 4]]) == 2


def test_trie_too_wide_for_the_streams_is_refused() -> None:
    wide = [[a, b, 1] for a in range(6) for b in range(3)]
    with pytest.raises(RuntimeError, match="n_seq_max"):
        schedule(build_segments(wide, min_shared=1), n_streams=6, n_batch=512)
    # the backend then shares fewer runs, down to one segment per option, which always fits
    settings = SimpleNamespace(min_shared=1, n_batch=512, n_seq_max=7)
    segments, decodes = LlamaCppModel._plan(settings, wide)  # type: ignore[arg-type]
    assert sorted(s.segment for d in decodes for s in d) == list(range(len(segments)))


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
    """Every option of a 40-option step, a later step (the prompt extends the cached one) and a
    new episode (only the few-shot header is cached): the trie scorer equals one full evaluation
    per option to 1e-3 nats (on this build: bit for bit)."""
    scene = _scene()
    options = [o.text + "\n" for o in enumerate_options(scene, SKILLS)]
    assert len(options) == 40
    other = Scene(_scene().objects[1:4], scene.locations)  # 2 blocks, 1 bowl: 23 options
    builder, command = PromptBuilder(examples=FEW_SHOT), "put the green block on the yellow block"
    cases = [(builder.build(command, scene), options),
             (builder.build(command, scene, [options[0].strip()]), options[::4]),
             (builder.build("put the yellow block in the blue bowl", other),
              [o.text + "\n" for o in enumerate_options(other, SKILLS)][::3])]
    worst = 0.0
    for prompt, texts in cases:
        fast = model.score(prompt, texts)
        naive = model.score_naive(prompt, texts)
        for f, n in zip(fast, naive, strict=True):
            assert f.n_tokens == n.n_tokens == len(f.token_logprobs) > 0
            assert f.logprob < 0
            worst = max(worst, abs(f.logprob - n.logprob),
                        *(abs(a - b) for a, b in zip(f.token_logprobs, n.token_logprobs,
                                                     strict=True)))
    again = model.score(*cases[0])  # after naive scoring wiped the cache
    assert [a.logprob for a in again] == [f.logprob for f in model.score(*cases[0])]
    assert worst < 1e-3, worst


@pytest.mark.model
def test_context_overflow_is_an_error_not_a_crash() -> None:
    with LlamaCppModel(n_ctx=64, n_seq_max=4) as small:
        with pytest.raises(ContextOverflowError, match="n_ctx=64"):
            small.score("objects = [red block]\n" * 20, ["done()\n"])
        assert small.score("# hello.\n", ["done()\n"])[0].n_tokens > 0  # still usable


@pytest.mark.model
def test_prefilled_header_from_the_prompt_cache_scores_exactly(tmp_path: Path) -> None:
    """A second process's model loads the few-shot header's KV from the cache file the first one
    wrote; its scores equal naive scoring. A damaged file is recomputed, not trusted."""
    builder, scene = PromptBuilder(examples=FEW_SHOT), _scene()
    prompt = builder.build("put the red block in the blue bowl", scene)
    texts = [o.text + "\n" for o in enumerate_options(scene, SKILLS)][::10]
    with LlamaCppModel(prompt_cache_dir=tmp_path) as first:
        assert first.prefill(builder.header()) == "computed"
        assert first.prefill(builder.header()) == "cached"
        computed = [s.logprob for s in first.score(prompt, texts)]
        naive = [s.logprob for s in first.score_naive(prompt, texts)]
    (file,) = tmp_path.glob("*.kv")
    with LlamaCppModel(prompt_cache_dir=tmp_path) as second:
        assert second.prefill(builder.header()) == "loaded"
        decoded = second.runtime.tokens_decoded
        loaded = [s.logprob for s in second.score(prompt, texts)]
        header = len(second.tokenize(builder.header(), add_bos=True))
        assert second.runtime.tokens_decoded - decoded < len(second.tokenize(prompt)) - header + 200
    assert loaded == computed
    assert max(abs(a - b) for a, b in zip(loaded, naive, strict=True)) < 1e-3
    file.write_bytes(file.read_bytes()[:1000])
    with LlamaCppModel(prompt_cache_dir=tmp_path) as third:
        assert third.prefill(builder.header()) == "computed"
        assert [s.logprob for s in third.score(prompt, texts)] == computed
    with LlamaCppModel(prompt_cache_dir=None) as uncached:
        assert uncached.prefill(builder.header()) == "computed"
