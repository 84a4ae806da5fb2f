"""Fuzzing what an OpenAI-compatible endpoint answers (a fake server on 127.0.0.1): random and
adversarial replies in each mode (NaN, infinities, log-probabilities above 0, missing fields,
wrong types, huge numbers, the wrong number of tokens or top_logprobs, not JSON at all) never
lead the planner to choose a motion, and always to one error line naming the endpoint."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.llm import EndpointError
from planner.openai_backend import OpenAIModel
from planner.saycan import SayCanPlanner
from skills.options import AffordanceModel, enumerate_options
from tests.llm_servers import Body, chat_reply, echo_reply, fake_openai
from tests.skill_sets import SKILLS
from tools.timing.scenes import make_scene

CASES = int(__import__("os").environ.get("FUZZ_CASES", 2100))
COMMAND = "put the red block in the blue bowl"

Reply = dict[str, Any]
Mutation = Callable[[Reply, random.Random, int], Reply | Body]  # int: the option's tokens


def not_a_logprob(rng: random.Random) -> Any:
    """A value no log-probability can be."""
    return rng.choice([
        math.nan, math.inf, -math.inf, rng.uniform(0.01, 1e6), 10.0 ** rng.randint(20, 308),
        10 ** rng.randint(309, 1000), -(10 ** rng.randint(309, 1000)), str(rng.uniform(-5, 0)),
        "NaN", True, False, None, [], [-0.5], {"logprob": -0.5}, ""])


def garbage(rng: random.Random) -> Body:
    """A reply body that is no JSON object."""
    return rng.choice([
        "", "<html><body>502 Bad Gateway</body></html>", "null", "[]", "42", '"choices"',
        '{"choices": [', "[" * 100_000 + "]" * 100_000, '{"usage": 1' + "0" * 5000 + "}",
        bytes(rng.randrange(256) for _ in range(64)), "data: {\"choices\": []}\n\n"])


def wrong_type(rng: random.Random) -> Any:
    return rng.choice(["x", 3, -1, 2.5, True, None, [], {}, [None], {"a": [1]}, 10 ** 400])


# ----------------------------------------------------------------------------- echo

def echo_option_value(reply: Reply, rng: random.Random, span: int) -> Reply:
    values = reply["choices"][0]["logprobs"]["token_logprobs"]
    for _ in range(rng.randint(1, 3)):
        values[rng.randrange(len(values) - 1 - span, len(values) - 1)] = not_a_logprob(rng)
    return reply


def echo_counts(reply: Reply, rng: random.Random, span: int) -> Reply:
    values = reply["choices"][0]["logprobs"]["token_logprobs"]
    k = rng.randint(2, 40)
    reply["choices"][0]["logprobs"]["token_logprobs"] = (
        values[:-k] if rng.random() < 0.5 else values + [-0.5] * k)
    return reply


def echo_usage(reply: Reply, rng: random.Random, span: int) -> Reply:
    usage = reply["usage"]
    key = rng.choice(["prompt_tokens", "completion_tokens", "usage"])
    if key == "usage":
        reply["usage"] = wrong_type(rng) if rng.random() < 0.7 else None
    else:
        bad = [-1, -(10 ** 30), 10 ** 30, "12", 12.5, True, [], {}]
        usage[key] = rng.choice(bad + ([0, None] if key == "prompt_tokens" else []))
    return reply


def echo_structure(reply: Reply, rng: random.Random, span: int) -> Reply | Body:
    choice = reply["choices"][0]
    where = rng.choice(["choices", "choice", "logprobs", "token_logprobs", "garbage"])
    if where == "choices":
        reply["choices"] = rng.choice([[], None, "x", {}, [None], ["x"], 3])
    elif where == "choice":
        reply["choices"][0] = wrong_type(rng)
    elif where == "logprobs":
        choice["logprobs"] = rng.choice([None, "x", [], 3, {}])
    elif where == "token_logprobs":
        choice["logprobs"]["token_logprobs"] = rng.choice([None, "x", 3, {}, [None] * 5])
    else:
        return garbage(rng)
    return reply


ECHO: list[Mutation] = [echo_option_value, echo_counts, echo_usage, echo_structure]


# ----------------------------------------------------------------------------- choice

def choice_values(rng: random.Random) -> Reply:
    top: list[tuple[Any, Any]] = [(label, -2.5 - i) for i, label in enumerate("ABCDEFGH")]
    for _ in range(rng.randint(1, 3)):
        top[rng.randrange(len(top))] = (top[0][0], not_a_logprob(rng))
    rng.shuffle(top)
    return chat_reply("A", top)


def choice_sum(rng: random.Random) -> Reply:
    n = rng.randint(2, 20)  # probabilities adding up to more than 1
    return chat_reply("A", [(chr(65 + i), math.log(rng.uniform(1.05, 3) / n)) for i in range(n)])


def choice_count(rng: random.Random) -> Reply:
    n = rng.choice([0, 21, 40, 500])
    return chat_reply("A", [(chr(65 + i % 26) * (1 + i // 26), -30.0 - i) for i in range(n)])


def choice_structure(rng: random.Random) -> Reply | Body:
    reply = chat_reply("A", [("A", -0.1), ("B", -2.5)])
    logprobs = reply["choices"][0]["logprobs"]
    where = rng.choice(["logprobs", "content", "first", "token", "top", "entry", "garbage",
                        "choices"])
    if where == "logprobs":
        reply["choices"][0]["logprobs"] = rng.choice([None, "x", [], 3])
    elif where == "content":
        logprobs["content"] = rng.choice([None, [], "A", 3, {"token": "A"}])
    elif where == "first":
        logprobs["content"][0] = wrong_type(rng)
    elif where == "token":
        logprobs["content"][0]["token"] = rng.choice([None, 3, ["A"], {"A": 1}, True])
    elif where == "top":
        logprobs["content"][0]["top_logprobs"] = rng.choice([None, "A", {"A": -0.1}, 3, []])
    elif where == "entry":
        entries = logprobs["content"][0]["top_logprobs"]
        entries[rng.randrange(len(entries))] = rng.choice(
            [["A", -0.1], "A", None, 3, {"logprob": -0.1}, {"token": 7, "logprob": -0.1}])
    elif where == "choices":
        reply["choices"] = rng.choice([[], None, "x", {}, [None]])
    else:
        return garbage(rng)
    return reply


CHOICE: list[Callable[[random.Random], Reply | Body]] = [
    choice_values, choice_sum, choice_count, choice_structure]


# ----------------------------------------------------------------------------- generate

def generate_reply(rng: random.Random) -> Reply | Body:
    reply = chat_reply("robot.pick_and_place(red block, blue bowl)")
    where = rng.choice(["content", "message", "choices", "garbage"])
    if where == "content":
        reply["choices"][0]["message"]["content"] = rng.choice(
            [3, 2.5, True, ["robot.pick_and_place(red block, blue bowl)"], {"text": "x"}, [],
             math.nan])
    elif where == "message":
        reply["choices"][0]["message"] = wrong_type(rng)
    elif where == "choices":
        reply["choices"] = rng.choice([[], None, "x", {}, [None], [3]])
    else:
        return garbage(rng)
    return reply


# ----------------------------------------------------------------------------- the fuzz

@dataclass
class Case:
    """What the fake endpoint answers for one fuzzed step."""

    mode: str
    rng: random.Random
    echo_mutation: Mutation | None = None
    target: str | None = None  # the option text whose echo reply is broken (None: the count)

    def answer(self, route: str, body: dict[str, Any]) -> Body | tuple[int, Body]:
        if self.mode == "echo":
            reply = echo_reply(body)
            prompt = str(body["prompt"])
            broken = prompt.endswith(self.target) if self.target else not body.get("echo")
            if not broken or self.echo_mutation is None:
                return json.dumps(reply)
            mutated = self.echo_mutation(reply, self.rng, len(self.target or ""))
        elif self.mode == "choice":
            mutated = self.rng.choice(CHOICE)(self.rng)
        else:
            mutated = generate_reply(self.rng)
        if self.rng.random() < 0.02:  # a failing server with a multi-line page
            return 500, "<html>\n<h1>Internal Server Error</h1>\n</html>"
        return json.dumps(mutated) if isinstance(mutated, dict) else mutated


def fuzz_case(rng: random.Random, texts: list[str]) -> Case:
    mode = rng.choice(["echo", "echo", "choice", "generate"])
    if mode != "echo":
        return Case(mode, rng)
    mutation = rng.choice(ECHO)
    target = None if mutation is echo_usage and rng.random() < 0.3 else rng.choice(texts)
    return Case(mode, rng, mutation, target)


def test_fuzzed_replies_never_choose_a_motion() -> None:
    rng = random.Random(20260522)
    scene = make_scene("red block", "blue bowl")
    afforded = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    options = [a for a in afforded if a.affordance > 0][:3] + [afforded[-1]]
    assert options[-1].option.is_done and len(options) == 4
    texts = [f"{a.option.text}\n" for a in options]
    current: list[Case] = []
    motions, errors, kinds = 0, 0, {"echo": 0, "choice": 0, "generate": 0}
    with fake_openai(lambda route, body: current[-1].answer(route, body)) as endpoint:
        planners = {mode: SayCanPlanner(OpenAIModel(
            endpoint.base_url, "fake", mode=mode, api_key_env=None,  # type: ignore[arg-type]
            retries=0, concurrency=1, check_on_start=False), skills=SKILLS) for mode in kinds}
        for i in range(CASES):
            case = fuzz_case(rng, texts)
            current.append(case)
            kinds[case.mode] += 1
            try:  # a new command each time: no reply comes from the model's cache
                step = planners[case.mode].next_step(f"{COMMAND}, take {i}", scene, options)
            except EndpointError as error:
                message = str(error)
                assert message.startswith(f"the LLM endpoint {endpoint.base_url} "), message
                assert "\n" not in message and len(message) < 600, message
                errors += 1
            else:
                motions += not step.option.is_done
            current.pop()
        assert len(endpoint.requests) >= CASES
    print(f"{CASES} fuzzed steps {kinds}: {errors} errors naming the endpoint, {motions} motions")
    assert motions == 0
    assert errors == CASES


def test_the_fuzzed_replies_differ_from_a_valid_one_only_where_they_break_it() -> None:
    """The unbroken replies the fuzz starts from are used as they are (so each broken one is
    what stops the planner, not the fake)."""
    scene = make_scene("red block", "blue bowl")
    afforded = AffordanceModel().afford(enumerate_options(scene, SKILLS), scene, skills=SKILLS)
    options = [a for a in afforded if a.affordance > 0][:3] + [afforded[-1]]
    for mode in ("echo", "choice", "generate"):
        def valid(route: str, body: dict[str, Any], mode: str = mode) -> str:
            if mode == "echo":  # done() the least likely
                done = str(body["prompt"]).endswith("done()\n")
                return json.dumps(echo_reply(body, lambda _, i: -5.0 if done else -0.01))
            if mode == "choice":
                return json.dumps(chat_reply("A", [("A", -0.1), ("B", -2.5)]))
            return json.dumps(chat_reply(options[0].option.text))

        with fake_openai(valid) as endpoint:
            model = OpenAIModel(endpoint.base_url, "fake", mode=mode,  # type: ignore[arg-type]
                                api_key_env=None, retries=0, check_on_start=False)
            step = SayCanPlanner(model, skills=SKILLS).next_step(COMMAND, scene, options)
        assert not step.option.is_done, mode
