"""The OpenAI-compatible backend against a real llama_cpp.server on 127.0.0.1 (echo on a tiny
random GGUF written here; choice on the embedded Gemma), its errors, and its pure helpers."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from planner.llama_backend import LlamaCppModel
from planner.llama_runtime import default_model_path
from planner.llm import EndpointError
from planner.openai_backend import OpenAIModel
from planner.openai_modes import closest_option, label_groups, label_logprobs
from planner.prompt import PromptBuilder
from planner.saycan import SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from tests.llm_servers import (
    FakeEndpoint,
    chat_reply,
    echo_reply,
    fake_openai,
    free_port,
    llama_server,
    write_tiny_gguf,
)
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


def _generate_answer(text: str) -> Callable[[str, dict[str, Any]], str]:
    return lambda route, body: json.dumps(chat_reply(text))


def test_generate_mode_maps_free_text_to_the_closest_option() -> None:
    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    text = "```\nrobot.pick_and_place(red block, blue bowl)\n```"
    with fake_openai(_generate_answer(text)) as endpoint:
        planner = SayCanPlanner(_model(endpoint, "generate"), skills=SKILLS)
        step = planner.next_step("put the red block in the blue bowl", scene, options)
        assert step.option.text == "robot.pick_and_place(red block, blue bowl)"
        detail = planner.records[-1].detail
        assert detail["match"] == step.option.text and detail["similarity"] == 1.0
        planner.next_step("put the red block in the blue bowl", scene, options)
        assert len(endpoint.requests) == 1  # the identical request came from the cache


def test_generate_mode_without_a_match_answers_done() -> None:
    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    with fake_openai(_generate_answer("Sure! I would love to help you with that.")) as endpoint:
        planner = SayCanPlanner(_model(endpoint, "generate"), skills=SKILLS)
        step = planner.next_step("put the red block in the blue bowl", scene, options)
    assert step.option.is_done and "matches no admissible option" in step.note
    record = planner.records[-1]
    assert record.mode == "generate" and record.detail["match"] is None
    assert record.detail["text"].startswith("Sure!")


def test_echo_mode_refuses_a_server_without_prompt_logprobs() -> None:
    def no_prompt_logprobs(route: str, body: dict[str, Any]) -> str:
        reply = echo_reply(body)  # like llama.cpp's own server: usage, no echoed logprobs
        if body.get("echo"):
            reply["choices"][0]["logprobs"]["token_logprobs"] = [None]
        return json.dumps(reply)

    with fake_openai(no_prompt_logprobs) as endpoint:
        with pytest.raises(EndpointError, match="no prompt log-probabilities"):
            _model(endpoint).score(PROMPT, TEXTS)


# ----------------------------------------------------------------------------- replies that are
# no log-probabilities: one error naming the endpoint and what it returned, before any choice

def _model(endpoint: FakeEndpoint, mode: str = "echo") -> OpenAIModel:
    return OpenAIModel(endpoint.base_url, "fake", mode=mode, api_key_env=None,  # type: ignore[arg-type]
                       retries=0, concurrency=1)


def _echo_with(value: float, target: str | None) -> Callable[[str, dict[str, Any]], str]:
    """Echo replies whose last tokens of the option `target` (of every option for None) have the
    log-probability `value`; the rest -0.5."""
    def answer(route: str, body: dict[str, Any]) -> str:
        prompt = str(body["prompt"])
        hit = body.get("echo") and (target is None or prompt.endswith(target))
        start = len(prompt) - len("done()\n")  # the shortest option
        return json.dumps(echo_reply(body, lambda _, i: value if hit and i >= start else -0.5))
    return answer


IMPOSSIBLE = "robot.pick_and_place(red block, bottom right corner)\n"  # affordance 0 there


@pytest.mark.parametrize(("value", "target", "shown"), [
    (math.nan, None, "nan"), (math.nan, TEXTS[0], "nan"), (-math.inf, None, "-inf"),
    (math.inf, IMPOSSIBLE, "inf"), (50.0, IMPOSSIBLE, "50")],
    ids=["nan-all", "nan-one", "minus-inf-all", "inf-one", "plus-50-one"])
def test_echo_scores_that_are_no_logprobs_stop_before_a_choice(value: float, target: str | None,
                                                                shown: str) -> None:
    scene = make_scene("red block", "green block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    assert any(o.option.text == IMPOSSIBLE.strip() and o.affordance == 0.0 for o in options)
    with fake_openai(_echo_with(value, target)) as endpoint:
        planner = SayCanPlanner(_model(endpoint), skills=SKILLS)
        with pytest.raises(EndpointError) as info:
            planner.next_step("put the red block in the blue bowl", scene, options)
    message = str(info.value)
    assert message.startswith(f"the LLM endpoint {endpoint.base_url} returned a log-probability "
                              f"of {shown}") and "\n" not in message, message
    assert not planner.records  # nothing was chosen


@pytest.mark.parametrize(("top", "needle"), [
    ([("A", math.nan), ("B", math.nan)], "nan, which is not finite"),
    ([("A", math.inf)], "inf, which is not finite"),
    ([("A", 3.0)], "3, which is above 0"),
    ([("A", "-0.1")], "'-0.1', which is not a number"),
    ([("A", -0.1), ("B", -0.2), ("C", -0.3)], "add up to 2.46, more than 1")])
def test_choice_top_logprobs_that_are_no_logprobs_stop_before_a_choice(
        top: list[tuple[str, Any]], needle: str) -> None:
    scene = make_scene("red block", "blue bowl")
    options = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    with fake_openai(lambda route, body: json.dumps(chat_reply("A", top))) as endpoint:
        planner = SayCanPlanner(_model(endpoint, "choice"), skills=SKILLS)
        with pytest.raises(EndpointError, match=re.escape(needle)) as info:
            planner.next_step("put the red block in the blue bowl", scene, options)
    assert str(info.value).startswith(f"the LLM endpoint {endpoint.base_url} returned")
    assert not planner.records


@pytest.mark.parametrize(("mode", "body", "needle"), [
    ("choice", {"choices": [{"message": {"content": "A"}, "logprobs": {"content": {
        "token": "A", "top_logprobs": {"A": -0.1}}}}]}, "not a list of tokens"),
    ("choice", {"choices": [{"logprobs": {"content": [{"token": "A", "top_logprobs": [
        ["A", -0.1]]}]}}]}, "not a token and its logprob"),
    ("echo", {"choices": "A", "usage": {"prompt_tokens": 3}}, "not a list of choices"),
    ("echo", {"usage": {"prompt_tokens": "12"}}, "reports no token usage"),
    ("generate", {"choices": [{"message": {"content": ["A"]}}]}, "not text"),
    ("generate", "<html><body>502 Bad Gateway</body></html>", "not JSON"),
    ("generate", [1, 2], "list JSON instead of an object")],
    ids=["choice-content-object", "choice-top-pairs", "echo-choices-string",
         "echo-usage-string", "generate-content-list", "html", "array"])
def test_replies_of_the_wrong_schema_name_the_endpoint(mode: str, body: Any, needle: str) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    with fake_openai(lambda route, request: text) as endpoint:
        with pytest.raises(EndpointError, match=re.escape(needle)) as info:
            _model(endpoint, mode).score_options(PROMPT, TEXTS)
    assert str(info.value).startswith(f"the LLM endpoint {endpoint.base_url} ")


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
