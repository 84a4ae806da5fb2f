"""A real OTLP/HTTP trace receiver on 127.0.0.1 for the tests: it decodes each POSTed protobuf
`ExportTraceServiceRequest` (as a collector does) and keeps its spans."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

PATH = "/v1/traces"


@dataclass
class Received:
    """What the receiver was sent: every span, and each request's content type."""

    spans: list[Any] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    status: int = 200  # what it answers

    def by_name(self) -> dict[str, Any]:
        return {span.name: span for span in self.spans}


def attributes(span: Any) -> dict[str, Any]:
    """A protobuf span's attributes as Python values."""
    return {kv.key: value(kv.value) for kv in span.attributes}


def value(any_value: AnyValue) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Received]]:
    """The endpoint URL of a receiver running until the block ends, and what it received."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if self.path != PATH or received.status != 200:
                self.send_response(404 if self.path != PATH else received.status)
                self.end_headers()
                return
            request = ExportTraceServiceRequest.FromString(body)
            received.content_types.append(self.headers.get("Content-Type", ""))
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    received.spans.extend(scope_spans.spans)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PATH}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
