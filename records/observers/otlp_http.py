"""`telemetry=otlp`: OpenTelemetry's OTLP/HTTP span exporter, quiet and quick when the collector
is not there. A collector that is down costs an episode one warning line and a TCP connect (at
most `timeout_s`), rather than the exporter's retries with back-off and a log line for each; a
collector that answers badly, at most the exporter's own `timeout_s` and one warning line."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

log = logging.getLogger(__name__)

EXPORTER_LOGGER = "opentelemetry.exporter.otlp"  # where the exporter logs each retry


class QuietOtlpExporter(SpanExporter):
    """Sends spans to the OTLP/HTTP collector at `endpoint`; a failure is one warning line."""

    def __init__(self, endpoint: str, timeout_s: float) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"telemetry.endpoint must be an http(s) URL, got {endpoint!r}")
        self.endpoint, self.timeout_s = endpoint, timeout_s
        self._address = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        self._inner = OTLPSpanExporter(endpoint=endpoint, timeout=timeout_s)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if not spans:
            return SpanExportResult.SUCCESS
        down = self._unreachable()
        if down:
            log.warning("telemetry: %d spans not sent: no collector at %s (%s)", len(spans),
                        self.endpoint, down)
            return SpanExportResult.FAILURE
        with _captured(EXPORTER_LOGGER) as lines:
            result = self._inner.export(spans)
        if result is not SpanExportResult.SUCCESS:
            why = lines[-1] if lines else "the exporter gave no reason"
            log.warning("telemetry: %d spans not sent to %s: %s", len(spans), self.endpoint,
                        why[:300])
        return result

    def _unreachable(self) -> str:
        """Why a TCP connection to the collector cannot be made ("" when it can)."""
        try:
            with socket.create_connection(self._address, timeout=self.timeout_s):
                return ""
        except OSError as error:
            return error.strerror or type(error).__name__

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._inner.force_flush(timeout_millis)


@contextmanager
def _captured(name: str) -> Iterator[list[str]]:
    """The messages logged under `name` while inside, kept from the log's handlers."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger(name)
    handler, propagate = Keep(logging.DEBUG), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield lines
    finally:
        logger.propagate = propagate
        logger.removeHandler(handler)
