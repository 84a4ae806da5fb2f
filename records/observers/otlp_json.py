"""`telemetry=file`: spans as OTLP-JSON lines, one `ExportTraceServiceRequest` a line (the
encoding of OTLP/HTTP with JSON bodies: lowerCamelCase fields, enums as numbers, trace and span
ids in hex), so a collector's `otlpjsonfile` receiver can send them on to Jaeger or anywhere."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from records.run_dir import RunDirectoryError, append_line

log = logging.getLogger(__name__)

ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def otlp_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """The spans as one OTLP-JSON `ExportTraceServiceRequest`."""
    request = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for resource_spans in request.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                _hex_ids(span)
                for link in span.get("links", []):
                    _hex_ids(link)
    return request


def _hex_ids(item: dict[str, Any]) -> None:
    """protobuf's JSON writes bytes in base64; OTLP-JSON wants trace and span ids in hex."""
    for key in ID_FIELDS:
        if item.get(key):
            item[key] = base64.b64decode(item[key]).hex()


class OtlpJsonLinesExporter(SpanExporter):
    """Appends each batch of spans to `path` as one line."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if not spans:
            return SpanExportResult.SUCCESS
        try:
            append_line(self.path, json.dumps(otlp_json(spans), separators=(",", ":")))
        except RunDirectoryError as error:
            log.warning("telemetry: %s", error)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass
