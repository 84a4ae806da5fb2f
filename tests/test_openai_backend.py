"""The OpenAI-compatible backend against a real llama_cpp.server on 127.0.0.1 (echo on a tiny
random GGUF written here; choice on the embedded Gemma), its errors, and its pure helpers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from planner.llama_backend import LlamaCppModel
from planner.llama_runtime import default_model_path
from planner.llm import EndpointError
from planner.openai_backend import OpenAIModel
from planner.openai_modes import closest_option, label_groups, label_logprobs
from planner.prompt import PromptBuilder
from planner.saycan import SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from tests.llm_servers import free_port, llama_server, write_tiny_gguf
from tests.skill_sets import FEW_SHOT, SKILLS
from tools.timing.scenes import make_scene

PROMPT = "objects = [red block, blue bowl]\n# put the red block in the blue bowl.\n"
TEXTS = ["robot.pick_and_place(red block, blue bowl)\n", "done()\n",
         "robot.pick_and_place(red block, top left corner)\n",
         "robot.pick_and_place(red block, middle)\n"]


# ----------------------------------------------------------------------------- pure helpers

def test_label_groups_cover_every_option_without_truncation() -> None:
    assert label_groups(7) == [list(range(7))]
    for n in (20, 21, 53, 95, 400):
        groups = label_groups(n)
        assert sorted(i for g in groups for i in g) == list(range(n))
        assert all(1 <= len(g) <= 20 for g in groups) and len(groups) <= 20
    with pytest.raises(ValueError):
        label_groups(401)


def test_label_logprobs_merge_spellings_and_share_the_rest() -> None:
    top = [("A", math.log(0.5)), (" A", math.log(0.1)), ("B)", math.log(0.3)), ("x", -5.0)]
    lps = label_logprobs(top, 4)
    assert lps[0] == pytest.approx(math.log(0.6)) and lps[1] == pytest.approx(math.log(0.3))
    left = 1 - 0.9 - math.exp(-5.0)
    assert lps[2] == pytest.approx(math.log(min(left / 2, math.exp(-5.0))))


def test_closest_option() -> None:
    best, ratio = closest_option("robot.pick_and_place(red block,  blue bowl)", TEXTS)
    assert best == 0 and ratio > 0.95
    assert closest_option("make me a sandwich", TEXTS)[1] < 0.6


class _FakeChat:
    """Stands in for client.chat.completions: answers every request with `text`."""

    def __init__(self, text: str) -> None:
        self.text, self.calls = text, 0

    def create(self, **kwargs: object) -> SimpleNamespace:
        self.calls += 1
        message = SimpleNamespace(content=self.text)
        return SimpleNamespace(choices=[SimpleNamespace(message=message, logprobs=None)])


def _generate_model(text: str) -> tuple[OpenAIModel, _FakeChat]:
    model = OpenAIModel("http://127.0.0.1:9/v1", "m", mode="generate", api_key_env=None,
                        check_on_start=False)
    fake = _FakeChat(text)
    model._client = SimpleNamespace(chat=SimpleNamespace(completions=fake))  # type: ignore[assignment]
    return model, fake


def test_generate_mode_maps_free_text_to_the_closest_option() -> None:
    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    model, fake = _generate_model("```\nrobot.pick_and_place(red block, blue bowl)\n```")
    planner = SayCanPlanner(model, skills=SKILLS)
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    assert step.option.text == "robot.pick_and_place(red block, blue bowl)"
    detail = planner.records[-1].detail
    assert detail["match"] == step.option.text and detail["similarity"] == 1.0
    planner.next_step("put the red block in the blue bowl", scene, options)
    assert fake.calls == 1  # the identical request came from the cache


def test_generate_mode_without_a_match_answers_done() -> None:
    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    planner = SayCanPlanner(_generate_model("Sure! I would love to help you with that.")[0],
                            skills=SKILLS)
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    assert step.option.is_done and "matches no admissible option" in step.note
    record = planner.records[-1]
    assert record.mode == "generate" and record.detail["match"] is None
    assert record.detail["text"].startswith("Sure!")


def test_echo_mode_refuses_a_server_without_prompt_logprobs() -> None:
    class NoPromptLogprobs:  # like llama.cpp's own server: usage, but no echoed log-probabilities
        def create(self, **kwargs: object) -> SimpleNamespace:
            n = len(str(kwargs["prompt"]).split())
            usage = SimpleNamespace(prompt_tokens=n, completion_tokens=1)
            logprobs = SimpleNamespace(token_logprobs=[None] * 1) if kwargs.get("echo") else None
            return SimpleNamespace(usage=usage, choices=[SimpleNamespace(logprobs=logprobs)])

    model = OpenAIModel("http://127.0.0.1:9/v1", "m", api_key_env=None, check_on_start=False)
    model._client = SimpleNamespace(completions=NoPromptLogprobs())  # type: ignore[assignment]
    with pytest.raises(EndpointError, match="no prompt log-probabilities"):
        model.score(PROMPT, TEXTS)


# ----------------------------------------------------------------------------- errors

def test_missing_api_key_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STACKBOT_TEST_KEY", raising=False)
    with pytest.raises(ValueError, match="STACKBOT_TEST_KEY"):
        OpenAIModel("http://127.0.0.1:9/v1", "m", api_key_env="STACKBOT_TEST_KEY")


def test_unreachable_endpoint_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKBOT_TEST_KEY", "sk-secret-value")
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with pytest.raises(EndpointError, match=f"cannot reach the LLM endpoint {url}") as info:
        OpenAIModel(url, "m", api_key_env="STACKBOT_TEST_KEY", retries=0, timeout=5)
    assert "sk-secret-value" not in str(info.value)
    lazy = OpenAIModel(url, "m", api_key_env=None, retries=0, check_on_start=False)
    with pytest.raises(EndpointError, match="cannot reach"):
        lazy.score_options(PROMPT, TEXTS)


# ----------------------------------------------------------------------------- echo, real server

@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny-llama.gguf")


@pytest.fixture(scope="module")
def tiny_server(tiny_gguf: Path) -> Iterator[str]:
    with llama_server(str(tiny_gguf), "tiny") as base_url:
        yield base_url


@pytest.mark.server
def test_echo_scores_equal_the_embedded_ones(tiny_gguf: Path, tiny_server: str) -> None:
    remote = OpenAIModel(tiny_server, "tiny", mode="echo", api_key_env=None)
    echoed = remote.score(PROMPT, TEXTS)
    with LlamaCppModel(tiny_gguf, n_ctx=512, n_seq_max=8) as local:
        embedded = local.score(PROMPT, TEXTS)
    for e, m in zip(echoed, embedded, strict=True):
        assert e.n_tokens == m.n_tokens
        assert abs(e.logprob - m.logprob) < 1e-2, (e, m)
    assert remote.score_options(PROMPT, TEXTS).scores == tuple(echoed)  # cached


@pytest.mark.server
def test_planner_through_echo_mode(tiny_server: str) -> None:
    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    planner = SayCanPlanner(OpenAIModel(tiny_server, "tiny", api_key_env=None), skills=SKILLS)
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    record = planner.records[-1]
    assert record.mode == "logprob" and len(record.llm_logprobs) == len(options)
    assert all(n > 0 for n in record.n_tokens) and step.option.text == record.chosen


@pytest.mark.server
def test_wrong_model_name_is_a_clear_error(tiny_server: str) -> None:
    remote = OpenAIModel(tiny_server, "tiny", api_key_env=None, retries=0)
    remote.base_url = tiny_server.replace("/v1", "/v0")
    remote._client = remote._client.with_options(base_url=remote.base_url)
    with pytest.raises(EndpointError, match="/v0"):
        remote.score_options(PROMPT, TEXTS)


# ----------------------------------------------------------------------------- choice, Gemma

@pytest.fixture(scope="module")
def gemma_server() -> Iterator[str]:
    with llama_server(default_model_path(), "gemma", chat_format="gemma") as base_url:
        yield base_url


# Gemma 3 270M here is a base model, not instruction-tuned: it rarely answers with a label, so
# these tests check the mechanics (every option scored, a distribution, the planner's record),
# not the quality of its choices.

@pytest.mark.server
@pytest.mark.model
def test_planner_through_choice_mode(gemma_server: str) -> None:
    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    assert len(options) <= 20  # one level of labels
    planner = SayCanPlanner(OpenAIModel(gemma_server, "gemma", mode="choice", api_key_env=None),
                            skills=SKILLS)
    step = planner.next_step("put the red block in the blue bowl", scene, options)
    record = planner.records[-1]
    assert record.mode == "choice" and record.detail["labels"][:3] == ["A", "B", "C"]
    probs = [math.exp(v) for v in record.llm_logprobs]
    assert len(probs) == len(options) and 0.0 < sum(probs) <= 1.0 + 1e-6
    assert step.option.text == record.chosen


@pytest.mark.server
@pytest.mark.model
def test_choice_mode_with_two_level_labels(gemma_server: str) -> None:
    scene = make_scene("red block", "green block", "blue bowl")
    texts = [PromptBuilder.continuation(o) for o in enumerate_options(scene, SKILLS)]
    assert len(texts) == 23  # more than top_logprobs can return
    model = OpenAIModel(gemma_server, "gemma", mode="choice", api_key_env=None)
    prompt = PromptBuilder(examples=FEW_SHOT).build("put the red block in the blue bowl", scene)
    result = model.score_options(prompt, texts)
    assert len(result.scores) == len(texts) and len(result.detail["answers"]) == 2
    assert [len(g) for g in result.detail["groups"]] == [12, 11]
    assert 0.0 < sum(math.exp(s.logprob) for s in result.scores) <= 1.0 + 1e-6
    assert model.score_options(prompt, texts) is result  # identical requests: cached
