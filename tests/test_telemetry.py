"""OpenTelemetry spans of an episode (`telemetry=`), made from its records after the fact: the
span tree of a two-step episode, parent links, start and end times, attributes, prompts only when
asked for; the OTLP-JSON file encoding; the one line when the extra is missing. No simulator:
the records are made by hand, with the times an episode would give them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode  # noqa: E402

from agent.types import EpisodeResult, StepRecord  # noqa: E402
from perception.types import Detection, Frame, Scene  # noqa: E402
from planner.saycan import PlanRecord  # noqa: E402
from records.observers import config as observer_config  # noqa: E402
from records.observers import settings as observer_settings  # noqa: E402
from records.observers.settings import TelemetrySettings  # noqa: E402
from records.observers.telemetry import TelemetryObserver  # noqa: E402
from skills.types import Option, Primitive, ScoredOption, Step, StepResult  # noqa: E402
from stackbot.launch import launch  # noqa: E402

T0 = 1_000.0  # Unix seconds: when the episode's first look began
ROOT = "invoke_agent stackbot"  # the agent span, as the GenAI conventions name it
MODEL = "gemma3-270m-planner"
PROMPT = "# put the red block in the blue bowl\nrobot."
MOVE = Option("pick_and_place", ("red block", "blue bowl"),
              "pick_and_place(red block, blue bowl)")
DONE = Option("done", (), "done()")
SCENE = Scene((Detection("red", "block", (0.4, 0.0, 0.02)),
               Detection("blue", "bowl", (0.5, 0.1, 0.0))))
PRIMITIVES = (Primitive("approach", "move_linear", (0.4, 0.0, 0.15, 3.14, 0.0, 0.0)),
              Primitive("grasp", "gripper_close"))


def frame() -> Frame:
    return Frame(np.zeros((2, 2, 3), np.uint8), np.ones((2, 2), np.float32), np.eye(3), np.eye(4))


def scored(option: Option, combined: float, affordance: float) -> ScoredOption:
    return ScoredOption(option, -1.5, 7, affordance, combined, llm_score=-1.5)


def call(chosen: Option, started_at: float, seconds: float) -> PlanRecord:
    return PlanRecord(model=MODEL, command="put the red block in the blue bowl", prompt=PROMPT,
                      history=(MOVE.text,), options=(MOVE.text, DONE.text),
                      llm_logprobs=(-1.5, -3.0), n_tokens=(7, 2), affordances=(0.9, 0.5),
                      combined=(0.8, 0.1) if chosen == MOVE else (0.05, 0.6), chosen=chosen.text,
                      seconds=seconds, started_at=started_at, prompt_tokens=41)


def two_step_episode() -> tuple[EpisodeResult, list[float], list[PlanRecord]]:
    """Step 0 (perceive 0.2 s, plan 0.5 s, two primitives over 1 s) moves the red block; step 1
    (the look after step 0: 0.1 s, plan 0.3 s) is done(). Returns the episode, when each record
    and the episode reached the observer, and the model calls."""
    move = Step(MOVE, (scored(MOVE, 0.8, 0.9), scored(DONE, 0.1, 0.5)))
    done = Step(DONE, (scored(DONE, 0.6, 0.5), scored(MOVE, 0.05, 0.0)))
    result = StepResult(move, True, "done", PRIMITIVES, seconds=1.0,
                        timings=((T0 + 0.7, T0 + 1.2), (T0 + 1.2, T0 + 1.7)))
    records = (
        StepRecord(0, SCENE, move, (), result, frame(), frame(), 0.2, 0.5, 1.0),
        StepRecord(1, SCENE, done, (), None, frame(), None, 0.1, 0.3, 0.0),
    )
    episode = EpisodeResult("put the red block in the blue bowl", records, True,
                            "the planner chose done()", seconds={"total": 2.3})
    arrivals = [T0 + 1.8, T0 + 2.2, T0 + 2.4]  # after step 0's look, at done(), at the end
    calls = [call(MOVE, T0 + 0.25, 0.4), call(DONE, T0 + 1.9, 0.25)]
    return episode, arrivals, calls


def traced(record_prompts: bool = False) -> dict[str, object]:
    """The spans by name (primitives by phase) of the two-step episode."""
    episode, arrivals, calls = two_step_episode()
    exporter = InMemorySpanExporter()
    observer = TelemetryObserver(TelemetrySettings("console", record_prompts=record_prompts),
                                 traces_file=None, exporter=exporter,  # type: ignore[arg-type]
                                 clock=lambda: arrivals.pop(0))
    for record, model_call in zip(episode.records, calls, strict=True):
        observer.on_model_call(model_call)
        observer.on_step(record)
    observer.finish(episode)
    spans = exporter.get_finished_spans()
    by_id = {span.context.span_id: span for span in spans}

    def key(span) -> str:
        """`step N/name` for the spans inside a step, else the name."""
        ancestor = span
        while ancestor.parent is not None and not ancestor.name.startswith("step "):
            ancestor = by_id[ancestor.parent.span_id]
        inside = ancestor is not span and ancestor.name.startswith("step ")
        return f"{ancestor.name}/{span.name}" if inside else span.name

    by_name = {key(span): span for span in spans}
    assert len(by_name) == len(spans)
    return by_name


def seconds(ns: int) -> float:
    return round(ns / 1e9 - T0, 3)


def test_a_two_step_episode_makes_a_tree_of_spans() -> None:
    spans = traced()
    assert sorted(spans) == sorted([
        ROOT, "step 0", "step 1",
        "step 0/perceive", "step 0/plan", f"step 0/text_completion {MODEL}", "step 0/execute",
        "step 0/primitive approach", "step 0/primitive grasp",
        "step 1/perceive", "step 1/plan", f"step 1/text_completion {MODEL}",
    ])
    parent = {name: span.parent.span_id if span.parent else None for name, span in spans.items()}
    span_id = {name: span.context.span_id for name, span in spans.items()}
    assert parent[ROOT] is None
    assert parent["step 0"] == parent["step 1"] == span_id[ROOT]
    for phase in ("perceive", "plan", "execute"):
        assert parent[f"step 0/{phase}"] == span_id["step 0"]
    assert parent[f"step 0/text_completion {MODEL}"] == span_id["step 0/plan"]
    assert parent["step 0/primitive grasp"] == span_id["step 0/execute"]
    assert parent["step 1/plan"] == span_id["step 1"]
    assert len({span.context.trace_id for span in spans.values()}) == 1


def test_spans_start_and_end_when_the_records_say() -> None:
    spans = traced()

    def interval(name: str) -> tuple[float, float]:
        return seconds(spans[name].start_time), seconds(spans[name].end_time)

    assert interval("step 0/perceive") == (0.0, 0.2)
    assert interval("step 0/plan") == (0.2, 0.7)
    assert interval(f"step 0/text_completion {MODEL}") == (0.25, 0.65)
    assert interval("step 0/execute") == (0.7, 1.7)
    assert interval("step 0/primitive approach") == (0.7, 1.2)
    assert interval("step 0/primitive grasp") == (1.2, 1.7)
    assert interval("step 1/perceive") == (1.7, 1.8)  # the look after step 0, before its record
    assert interval("step 1/plan") == (1.9, 2.2)  # ends when done() reached the observer
    assert interval("step 0") == (0.0, 1.7)
    assert interval("step 1") == (1.7, 2.2)
    assert interval(ROOT) == (0.0, 2.3)  # seconds["total"] after its start


def test_spans_carry_genai_and_stackbot_attributes() -> None:
    spans = traced()
    model_call = spans[f"step 0/text_completion {MODEL}"].attributes
    assert model_call["gen_ai.operation.name"] == "text_completion"
    assert model_call["gen_ai.request.model"] == MODEL
    assert model_call["stackbot.option.chosen"] == MOVE.text
    assert model_call["stackbot.option.score"] == 0.8
    assert model_call["stackbot.option_tokens"] == 9
    assert model_call["gen_ai.usage.input_tokens"] == 41
    plan = spans["step 0/plan"].attributes
    assert plan["stackbot.option.count"] == 2
    assert plan["stackbot.option.chosen"] == MOVE.text
    assert plan["stackbot.option.score"] == 0.8
    assert plan["stackbot.affordance"] == 0.9
    assert spans["step 1/plan"].attributes["stackbot.option.chosen"] == "done()"
    assert spans["step 0/primitive approach"].attributes["stackbot.primitive.kind"] == \
        "move_linear"
    assert spans["step 0/execute"].attributes["stackbot.result.success"] is True
    assert spans["step 0/execute"].status.status_code != StatusCode.ERROR
    assert spans["step 0/perceive"].attributes["stackbot.detection.count"] == 2
    episode = spans[ROOT].attributes
    assert episode["gen_ai.agent.name"] == "stackbot"
    assert episode["stackbot.finished"] is True


def test_prompts_are_attributes_only_when_asked_for() -> None:
    def prompt_attributes(spans: dict[str, object]) -> list[str]:
        return [key for span in spans.values() for key, value in span.attributes.items()
                if key in ("gen_ai.input.messages", "stackbot.prompt.history")
                or (isinstance(value, str) and PROMPT in value)]

    assert prompt_attributes(traced()) == []
    spans = traced(record_prompts=True)
    messages = json.loads(spans[f"step 0/text_completion {MODEL}"].attributes[
        "gen_ai.input.messages"])
    assert messages == [{"role": "user", "parts": [{"type": "text", "content": PROMPT}]}]


def test_the_file_exporter_writes_otlp_json_lines(tmp_path) -> None:
    episode, arrivals, calls = two_step_episode()
    observer = TelemetryObserver(TelemetrySettings("file"), tmp_path / "otel_traces.jsonl",
                                 clock=lambda: arrivals.pop(0))
    for record, model_call in zip(episode.records, calls, strict=True):
        observer.on_model_call(model_call)
        observer.on_step(record)
    observer.finish(episode)
    lines = (tmp_path / "otel_traces.jsonl").read_text().splitlines()
    spans = [span for line in lines for resource in json.loads(line)["resourceSpans"]
             for scope in resource["scopeSpans"] for span in scope["spans"]]
    assert len(spans) == 12
    root = next(s for s in spans if s["name"] == ROOT)
    assert len(root["traceId"]) == 32 and len(root["spanId"]) == 16  # hex, as OTLP-JSON has it
    assert int(root["startTimeUnixNano"]) == int(T0 * 1e9)
    steps = [s for s in spans if s["name"].startswith("step")]
    assert {s["parentSpanId"] for s in steps} == {root["spanId"]}
    resource = json.loads(lines[0])["resourceSpans"][0]["resource"]["attributes"]
    assert {"key": "service.name", "value": {"stringValue": "stackbot"}} in resource


def test_a_missing_extra_is_one_line_saying_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(observer_settings, "_installed", lambda module: False)
    message = observer_settings.missing_extra({"telemetry": {"exporter": "file"}})
    assert message == "telemetry=file needs the telemetry extra: pip install 'stackbot[telemetry]'"
    message = observer_settings.missing_extra({"record": {"rerun": "episode.rrd"}})
    assert message == "record.rerun needs the rerun extra: pip install 'stackbot[rerun]'"
    message = observer_settings.missing_extra({"export": {"lerobot": "dataset"}})
    assert message == "export.lerobot needs the lerobot extra: pip install 'stackbot[lerobot]'"
    assert observer_settings.missing_extra({"telemetry": {"exporter": "none"}}) is None
    with pytest.raises(observer_settings.MissingExtraError, match="pip install"):
        observer_config.build_observers({"telemetry": {"exporter": "otlp"}}, None)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="one of none, console, file, otlp"):
        TelemetrySettings("jaeger")
    with pytest.raises(ValueError, match="telemetry.endpoint"):
        TelemetrySettings("otlp")
    with pytest.raises(ValueError, match=r"\.rrd"):
        observer_settings.rerun_path({"record": {"rerun": "episode.mp4"}}, None)


@pytest.mark.parametrize(("override", "extra"), [("telemetry=file", "telemetry"),
                                                 ("record.rerun=episode.rrd", "rerun"),
                                                 ("export.lerobot=dataset", "lerobot")])
def test_choosing_what_is_not_installed_exits_2_with_that_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path,
        override: str, extra: str) -> None:
    monkeypatch.setattr(observer_settings, "_installed", lambda module: False)
    monkeypatch.setattr(sys, "argv", ["stackbot", "instruction=x", override,
                                      f"hydra.run.dir={tmp_path}"])
    with pytest.raises(SystemExit) as stopped:
        launch(lambda: None)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("stackbot: error: ") and error.count("\n") == 1
    assert error.rstrip().endswith(f"pip install 'stackbot[{extra}]'")


def test_the_default_config_loads_neither_extra(tmp_path: Path) -> None:
    """Without `telemetry=`, `record.rerun=` or `export.lerobot=` nothing of OpenTelemetry,
    rerun, PyAV or pyarrow is imported, so the default config runs where no extra is installed
    (a fresh interpreter)."""
    code = (
        "import sys\n"
        "from hydra import compose, initialize_config_module\n"
        "from tools.command import open_recorder\n"
        "with initialize_config_module('conf', version_base='1.3'):\n"
        "    cfg = compose('config', overrides=['instruction=x'])\n"
        f"recorder = open_recorder(cfg, {str(tmp_path)!r})\n"
        "assert recorder.observers == ()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "             ('opentelemetry', 'rerun', 'av', 'pyarrow')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
