"""`telemetry=otlp` against a real OTLP/HTTP receiver on 127.0.0.1 that decodes the protobuf: the
spans follow OpenTelemetry's GenAI semantic conventions (the agent span `invoke_agent stackbot`,
the required and recommended attributes of the agent and inference spans, the chosen option as
the output message, done() never a failed step), from hand-made records and from a real episode
of the embedded model; a collector that is down costs one warning line and no wait."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http")

from opentelemetry.proto.trace.v1.trace_pb2 import Span  # noqa: E402

from records.observers.settings import TelemetrySettings  # noqa: E402
from records.observers.telemetry import TelemetryObserver  # noqa: E402
from tests.otlp_receiver import attributes, otlp_receiver  # noqa: E402
from tests.test_telemetry import MOVE, ROOT, two_step_episode  # noqa: E402

PROVIDER = "llama_cpp"
REQUESTED = "gemma-3-270m-q4_k_m.gguf+stackbot-planner.gguf"


def publish(endpoint: str, timeout_s: float = 5.0) -> float:
    """Send the two-step episode of tests/test_telemetry.py (its model calls made by the embedded
    model); the seconds the episode's end took."""
    episode, arrivals, calls = two_step_episode()
    calls = [replace(c, provider=PROVIDER, request_model=REQUESTED, response_model=REQUESTED)
             for c in calls]
    observer = TelemetryObserver(TelemetrySettings("otlp", endpoint=endpoint, timeout_s=timeout_s),
                                 traces_file=None,  # type: ignore[arg-type]
                                 clock=lambda: arrivals.pop(0))
    for record, model_call in zip(episode.records, calls, strict=True):
        observer.on_model_call(model_call)
        observer.on_step(record)
    started = time.perf_counter()
    observer.finish(episode)
    return time.perf_counter() - started


def test_the_spans_arrive_with_the_genai_attributes() -> None:
    with otlp_receiver() as (endpoint, received):
        publish(endpoint)
    assert received.content_types == ["application/x-protobuf"]
    spans = received.by_name()
    assert len(received.spans) == 12 and len({s.trace_id for s in received.spans}) == 1
    root = spans[ROOT]
    assert root.kind == Span.SPAN_KIND_INTERNAL and not root.parent_span_id
    agent = attributes(root)
    assert {k: agent[k] for k in agent if k.startswith("gen_ai.")} == {
        "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": PROVIDER,
        "gen_ai.agent.name": "stackbot", "gen_ai.request.model": REQUESTED,
        "gen_ai.response.model": REQUESTED,
        "gen_ai.usage.input_tokens": 82,  # two calls of a 41-token prompt
        "gen_ai.usage.output_tokens": 9,  # the chosen options: the move (7), done() (2)
    }
    model_calls = [s for s in received.spans if s.name == f"text_completion {REQUESTED}"]
    assert len(model_calls) == 2
    for span, chosen, tokens in zip(model_calls, (MOVE.text, "done()"), (7, 2), strict=True):
        call = attributes(span)
        assert span.kind == Span.SPAN_KIND_CLIENT
        assert call["gen_ai.operation.name"] == "text_completion"
        assert call["gen_ai.provider.name"] == PROVIDER
        assert call["gen_ai.request.model"] == call["gen_ai.response.model"] == REQUESTED
        assert (call["gen_ai.usage.input_tokens"], call["gen_ai.usage.output_tokens"]) == (
            41, tokens)
        assert json.loads(call["gen_ai.output.messages"]) == [{
            "role": "assistant", "parts": [{"type": "text", "content": chosen}],
            "finish_reason": "stop"}]
        assert "gen_ai.input.messages" not in call  # the prompt only with record_prompts
    steps = {s.name: attributes(s) for s in received.spans if s.name.startswith("step ")}
    assert steps["step 0"]["stackbot.step.succeeded"] is True
    assert "stackbot.step.succeeded" not in steps["step 1"]  # done(): nothing failed
    assert steps["step 1"]["stackbot.step.done"] is True


def closed_port_endpoint() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/traces"  # nothing listens there any more


def test_a_collector_that_is_down_costs_one_line_and_no_wait(
        caplog: pytest.LogCaptureFixture) -> None:
    """The exporter alone retried with back-off (its first wait about 1 s) and logged each
    attempt: three lines and about 3 s per episode."""
    caplog.set_level(logging.DEBUG)
    endpoint = closed_port_endpoint()
    seconds = publish(endpoint, timeout_s=5.0)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [f"telemetry: 12 spans not sent: no collector at {endpoint} "
                        "(Connection refused)"]
    assert seconds < 0.5, f"the episode's end took {seconds:.2f} s with the collector down"


def test_a_collector_that_fails_costs_one_line_within_the_timeout(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with otlp_receiver() as (endpoint, received):
        received.status = 503  # up, but unavailable: the exporter retries until its timeout
        seconds = publish(endpoint, timeout_s=1.0)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith(f"telemetry: 12 spans not sent to "
                                                         f"{endpoint}: "), warnings
    assert received.spans == [] and seconds < 1.0 + 1.0, seconds  # the timeout, and some slack


@pytest.mark.sim
@pytest.mark.model
def test_a_real_episode_of_the_embedded_model_names_its_provider_and_model(
        tmp_path: Path) -> None:
    from hydra import compose, initialize_config_module

    from agent.session import open_session
    from sim.scene_gen import SceneSpec
    from tools.command import open_recorder, run_command

    with otlp_receiver() as (endpoint, received):
        with initialize_config_module("conf", version_base="1.3"):
            cfg = compose("config", overrides=["perception=oracle", "instruction=unused",
                                               "telemetry=otlp", f"telemetry.endpoint={endpoint}"])
        session = open_session(cfg)
        try:
            session.reset(SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=0))
            episode = run_command(session, "put the red block in the blue bowl",
                                  open_recorder(cfg, tmp_path))
        finally:
            session.close()
    spans = received.by_name()
    agent = attributes(spans[ROOT])
    model = session.planner.model
    assert (agent["gen_ai.provider.name"], agent["gen_ai.request.model"]) == (
        "llama_cpp", model.model_id)
    assert model.model_id.endswith(".gguf") and ":" not in model.model_id
    calls = [attributes(s) for s in received.spans if s.name.startswith("text_completion ")]
    assert len(calls) == sum(1 for r in episode.records) > 0
    assert [json.loads(c["gen_ai.output.messages"])[0]["parts"][0]["content"] for c in calls] == [
        r.step.option.text for r in episode.records]
    assert all(c["gen_ai.usage.output_tokens"] > 0 for c in calls)
    done = [attributes(s) for s in received.spans if s.name.startswith("step ")
            and attributes(s)["stackbot.option.chosen"] == "done()"]
    assert done and all("stackbot.step.succeeded" not in d for d in done)
