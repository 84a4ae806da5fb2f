"""`telemetry=console|file|otlp`: each episode's spans (`records.observers.spans`), exported when
the episode ends, so tracing costs the arm nothing while it moves. Nothing global: each episode
has its own tracer provider, shut down (and so flushed) once its spans are made."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from agent.types import EpisodeResult
from records.observers.base import EpisodeObserver
from records.observers.settings import TelemetrySettings
from records.observers.spans import emit_episode
from records.observers.timeline import EpisodeTimeline

INSTRUMENTATION_SCOPE = "stackbot"
QUEUE_SIZE = 8192  # spans an episode may make before any is dropped (a long one makes hundreds)


def make_exporter(settings: TelemetrySettings, traces_file: Path) -> SpanExporter:
    if settings.exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if settings.exporter == "file":
        from records.observers.otlp_json import OtlpJsonLinesExporter

        return OtlpJsonLinesExporter(traces_file)
    if settings.exporter == "otlp":
        from records.observers.otlp_http import QuietOtlpExporter

        assert settings.endpoint is not None  # TelemetrySettings requires one for otlp
        return QuietOtlpExporter(settings.endpoint, settings.timeout_s)
    raise ValueError(f"no span exporter for telemetry.exporter={settings.exporter!r}")


class TelemetryObserver(EpisodeObserver):
    """`exporter`: where the spans go (tests hand in an InMemorySpanExporter); by default the
    one `settings` names, `telemetry=file` writing to `traces_file`."""

    def __init__(self, settings: TelemetrySettings, traces_file: Path,
                 exporter: SpanExporter | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.settings = settings
        self.exporter = exporter if exporter is not None else make_exporter(settings, traces_file)

    def publish(self, episode: EpisodeResult, timeline: EpisodeTimeline) -> None:
        provider = TracerProvider(resource=Resource.create({
            "service.name": self.settings.service_name}))
        timeout_ms = self.settings.timeout_s * 1000
        provider.add_span_processor(BatchSpanProcessor(
            self.exporter, max_queue_size=QUEUE_SIZE, schedule_delay_millis=timeout_ms,
            export_timeout_millis=timeout_ms))
        try:
            emit_episode(provider.get_tracer(INSTRUMENTATION_SCOPE), episode, timeline,
                         self.settings.record_prompts)
        finally:
            provider.shutdown()  # exports what is queued, then closes the exporter
