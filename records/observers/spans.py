"""An episode as OpenTelemetry spans, made after the fact with the timeline's start and end times:

    invoke_agent stackbot
    └── step N
        ├── perceive
        ├── plan
        │   └── text_completion <model>      one per model call (`chat <model>` for a chat model)
        └── execute
            └── primitive <phase>            one per primitive sent

Attributes follow OpenTelemetry's GenAI semantic conventions (the agent and inference spans:
`gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.agent.name`, `gen_ai.request.model`,
`gen_ai.response.model`, `gen_ai.usage.input_tokens` / `output_tokens`, `gen_ai.output.messages`
the chosen option, `error.type` for an episode an arm error ended), stackbot's own under
`stackbot.` (the chosen option and its scores, `stackbot.option.count`, `stackbot.affordance`,
the option tokens scored, the result). The model's prompt (`gen_ai.input.messages`), the history
lines and mode-specific model output are attributes only with `record_prompts`. A scoring model
generates nothing: its output is the option it chose, and its output tokens that option's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from agent.types import EpisodeResult, StepRecord
from records.observers.timeline import EpisodeTimeline, Interval, StepTimes
from skills.types import Primitive, ScoredOption, StepResult

AGENT_NAME = "stackbot"
AGENT_OPERATION = "invoke_agent"
MODEL_CALL_OPERATION = "text_completion"  # the model scores continuations of the prompt
CHAT_OPERATION = "chat"  # a chat model picks an option's label or writes the option
# gen_ai.provider.name of an episode no model planned (the scripted planner): stackbot itself
OWN_PROVIDER = "stackbot"


def emit_episode(tracer: Tracer, episode: EpisodeResult, timeline: EpisodeTimeline,
                 record_prompts: bool = False) -> None:
    calls = [call for times in timeline.steps for call, _ in times.model_calls]
    attributes = episode_attributes(episode, calls)
    root = tracer.start_span(f"{AGENT_OPERATION} {AGENT_NAME}", kind=SpanKind.INTERNAL,
                             start_time=_ns(timeline.episode.start), attributes=attributes)
    if "error.type" in attributes:
        root.set_status(Status(StatusCode.ERROR, episode.message))
    inside_root = trace.set_span_in_context(root)
    for record, times in zip(episode.records, timeline.steps, strict=True):
        _emit_step(tracer, inside_root, record, times, record_prompts)
    root.end(_ns(timeline.episode.end))


def _emit_step(tracer: Tracer, parent: Context, record: StepRecord, times: StepTimes,
               record_prompts: bool) -> None:
    step = tracer.start_span(f"step {record.index}", context=parent,
                             start_time=_ns(times.step.start), attributes=step_attributes(record))
    inside = trace.set_span_in_context(step)
    _leaf(tracer, "perceive", inside, times.perceive, perceive_attributes(record))
    plan = tracer.start_span("plan", context=inside, start_time=_ns(times.plan.start),
                             attributes=plan_attributes(record))
    inside_plan = trace.set_span_in_context(plan)
    for call, interval in times.model_calls:
        attributes = model_call_attributes(call, record_prompts)
        name = f"{attributes['gen_ai.operation.name']} {attributes.get('gen_ai.request.model', '')}"
        _leaf(tracer, name.strip(), inside_plan, interval, attributes, SpanKind.CLIENT)
    plan.end(_ns(times.plan.end))
    if times.execute is not None and record.result is not None:
        _emit_execute(tracer, inside, record.result, times)
    step.end(_ns(times.step.end))


def _emit_execute(tracer: Tracer, parent: Context, result: StepResult, times: StepTimes) -> None:
    assert times.execute is not None
    execute = tracer.start_span("execute", context=parent, start_time=_ns(times.execute.start),
                                attributes=execute_attributes(result))
    inside = trace.set_span_in_context(execute)
    for index, (primitive, interval) in enumerate(
            zip(result.primitives, times.primitives, strict=False)):
        _leaf(tracer, f"primitive {primitive.phase}", inside, interval,
              primitive_attributes(primitive, index))
    if not result.success:
        execute.set_status(Status(StatusCode.ERROR, result.message))
    execute.end(_ns(times.execute.end))


def _leaf(tracer: Tracer, name: str, parent: Context, interval: Interval,
          attributes: Mapping[str, Any], kind: SpanKind = SpanKind.INTERNAL) -> None:
    span = tracer.start_span(name, context=parent, kind=kind, start_time=_ns(interval.start),
                             attributes=attributes)
    span.end(_ns(interval.end))


def episode_attributes(episode: EpisodeResult, calls: Sequence[Any] = ()) -> dict[str, Any]:
    """The agent span's: the provider and model of the episode's model calls (the first's) and
    their tokens summed; `error.type` when an arm error ended the episode."""
    first = calls[0] if calls else None
    return _clean({
        "gen_ai.operation.name": AGENT_OPERATION,
        "gen_ai.provider.name": provider(first) if first is not None else OWN_PROVIDER,
        "gen_ai.agent.name": AGENT_NAME,
        "gen_ai.request.model": None if first is None else request_model(first),
        "gen_ai.response.model": None if first is None else response_model(first),
        "gen_ai.usage.input_tokens": _total(getattr(c, "prompt_tokens", None) for c in calls),
        "gen_ai.usage.output_tokens": _total(output_tokens(c) for c in calls),
        "error.type": episode_error(episode),
        "stackbot.instruction": episode.instruction,
        "stackbot.finished": episode.finished,
        "stackbot.message": episode.message,
        "stackbot.step.count": len(episode.records),
        "stackbot.moved": episode.moved,
        "stackbot.steps": [r.step.option.text for r in episode.records],
    })


def episode_error(episode: EpisodeResult) -> str | None:
    """The arm error that ended an unfinished episode (e.g. MotionInterrupted), else None."""
    if episode.finished or not episode.records:
        return None
    last = episode.records[-1].result
    return last.error or None if last is not None else None


def step_attributes(record: StepRecord) -> dict[str, Any]:
    """A done() step executes nothing: it is marked `stackbot.step.done`, never failed."""
    done = record.step.option.is_done
    return _clean({
        "stackbot.step.index": record.index,
        "stackbot.option.chosen": record.step.option.text,
        "stackbot.step.done": done or None,
        "stackbot.step.succeeded": None if done else record.succeeded,
        "stackbot.verdict.holds": None if record.verdict is None else record.verdict.holds,
        "stackbot.verdict.evidence": None if record.verdict is None else record.verdict.evidence,
        "stackbot.faults": [str(getattr(f, "fault", f)) for f in record.faults] or None,
        "stackbot.recovery": record.recovery or None,
    })


def perceive_attributes(record: StepRecord) -> dict[str, Any]:
    objects = record.scene.objects
    return _clean({
        "stackbot.detection.count": len(objects),
        "stackbot.detections": [o.name for o in objects] or None,
        "stackbot.camera": record.frame_before.camera_name,
    })


def chosen_scores(record: StepRecord) -> ScoredOption | None:
    chosen = record.step.option
    return next((s for s in record.step.scored if s.option == chosen), None)


def plan_attributes(record: StepRecord) -> dict[str, Any]:
    chosen = chosen_scores(record)
    scored = record.step.scored
    return _clean({
        "stackbot.option.count": len(scored),
        "stackbot.option.afforded_count": sum(1 for s in scored if s.affordance > 0.0),
        "stackbot.option.chosen": record.step.option.text,
        "stackbot.option.score": None if chosen is None else chosen.combined,
        "stackbot.llm_score": None if chosen is None else chosen.llm_score,
        "stackbot.llm_logprob": None if chosen is None else chosen.llm_logprob,
        "stackbot.affordance": None if chosen is None else chosen.affordance,
        "stackbot.option_tokens": sum(s.n_tokens for s in scored if not s.bound),
        "stackbot.plan.note": record.step.note or None,
    })


def scored_tokens(call: Any) -> int:
    """The tokens of the options the model call scored (a best-first search prunes some)."""
    n_tokens = tuple(getattr(call, "n_tokens", ()))
    pruned = tuple(getattr(call, "bounds", ())) or (False,) * len(n_tokens)
    return sum(n for n, bound in zip(n_tokens, pruned, strict=True) if not bound)


def provider(call: Any) -> str:
    """gen_ai.provider.name: the model's (`llama_cpp`, `openai`), else the name's prefix."""
    given = getattr(call, "provider", "")
    return given or str(getattr(call, "model", "")).partition(":")[0] or "_OTHER"


def request_model(call: Any) -> str | None:
    return getattr(call, "request_model", "") or getattr(call, "model", None)


def response_model(call: Any) -> str | None:
    return getattr(call, "response_model", "") or request_model(call)


def output_tokens(call: Any) -> int | None:
    """The chosen option's tokens: a scoring model's output is the option it chose."""
    options = tuple(getattr(call, "options", ()))
    n_tokens = tuple(getattr(call, "n_tokens", ()))
    chosen = getattr(call, "chosen", None)
    if chosen not in options or len(n_tokens) != len(options):
        return None
    return n_tokens[options.index(chosen)]


def model_call_attributes(call: Any, record_prompts: bool) -> dict[str, Any]:
    options = tuple(getattr(call, "options", ()))
    combined = tuple(getattr(call, "combined", ()))
    chosen = getattr(call, "chosen", None)
    score = combined[options.index(chosen)] if chosen in options and combined else None
    mode = getattr(call, "mode", "logprob")
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": CHAT_OPERATION if mode in ("choice", "generate")
        else MODEL_CALL_OPERATION,
        "gen_ai.provider.name": provider(call),
        "gen_ai.request.model": request_model(call),
        "gen_ai.response.model": response_model(call),
        "gen_ai.output.messages": None if chosen is None else json.dumps([{
            "role": "assistant", "parts": [{"type": "text", "content": chosen}],
            "finish_reason": "stop"}]),
        "gen_ai.usage.output_tokens": output_tokens(call),
        "stackbot.scoring.mode": getattr(call, "mode", None) or None,
        "stackbot.normalisation": getattr(call, "normalisation", None),
        "stackbot.option.count": len(options),
        "stackbot.option.chosen": chosen,
        "stackbot.option.score": score,
        "stackbot.option_tokens": scored_tokens(call),
        "gen_ai.usage.input_tokens": getattr(call, "prompt_tokens", None),
        "stackbot.plan.note": getattr(call, "note", "") or None,
    }
    if record_prompts:
        attributes["gen_ai.input.messages"] = json.dumps([{
            "role": "user", "parts": [{"type": "text", "content": getattr(call, "prompt", "")}]}])
        attributes["stackbot.prompt.history"] = list(getattr(call, "history", ())) or None
        detail = getattr(call, "detail", None)
        attributes["stackbot.model.detail"] = json.dumps(detail, default=str) if detail else None
    return _clean(attributes)


def execute_attributes(result: StepResult) -> dict[str, Any]:
    return _clean({
        "stackbot.result.success": result.success,
        "stackbot.result.message": result.message,
        "stackbot.dry_run": result.dry_run,
        "stackbot.primitive.count": len(result.primitives),
    })


def primitive_attributes(primitive: Primitive, index: int) -> dict[str, Any]:
    return _clean({
        "stackbot.primitive.index": index,
        "stackbot.primitive.phase": primitive.phase,
        "stackbot.primitive.kind": primitive.kind,
        "stackbot.primitive.pose": None if primitive.pose is None else list(primitive.pose),
        "stackbot.primitive.joints": None if primitive.joints is None else list(primitive.joints),
    })


def _total(counts: Iterable[int | None]) -> int | None:
    known = [n for n in counts if n is not None]
    return sum(known) if known else None


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Without the unset ones (OpenTelemetry takes no None)."""
    return {k: v for k, v in attributes.items() if v is not None}


def _ns(seconds: float) -> int:
    return int(round(seconds * 1e9))
