"""Where the processing log's records go: an OTLP endpoint, or a private JSON-lines file; one call per commit.

``lp.web.processing_log`` makes the records; this module only delivers them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import INVALID_SPAN_CONTEXT

from lp.web.files import PRIVATE, create_private

LOG_FILE = "processing-log.jsonl"
log = logging.getLogger(__name__)


class JsonLinesExporter(SpanExporter):
    """Append each span as one JSON line to a file that only the app's owner can read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(_as_dict(span), separators=(",", ":")) + "\n" for span in spans)
        with self._lock:
            if not self.path.exists():
                create_private(self.path)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
        return SpanExportResult.SUCCESS


def _as_dict(span: ReadableSpan) -> dict[str, Any]:
    """Return a span as ``ReadableSpan.to_json`` writes it, on one line, without its slow pretty-printing.

    Times are nanoseconds since the epoch (UTC), as OTLP carries them.
    """
    context = span.context or INVALID_SPAN_CONTEXT  # a finished span always has one
    return {
        "name": span.name,
        "context": {"trace_id": f"0x{context.trace_id:032x}", "span_id": f"0x{context.span_id:016x}"},
        "kind": str(span.kind),
        "parent_id": f"0x{span.parent.span_id:016x}" if span.parent else None,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "status": {"status_code": span.status.status_code.name, "description": span.status.description},
        "attributes": dict(span.attributes or {}),
        "resource": {"attributes": dict(span.resource.attributes)},
    }


class PerCommitProcessor(SpanProcessor):
    """Hand the spans of one commit to the exporter in one call, before the committing code goes on.

    One call per commit, not per span (a CSV export of a thousand persons is one OTLP
    request, not a thousand), and nothing waits in a queue that could overflow and drop
    records, as a batching processor does under load: no record is left out.
    """

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter
        self._local = threading.local()

    def _pending(self) -> list[ReadableSpan]:
        if not hasattr(self._local, "spans"):
            self._local.spans = []
        return self._local.spans

    def on_end(self, span: ReadableSpan) -> None:
        self._pending().append(span)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        spans = self._pending()
        if not spans:
            return True
        self._local.spans = []
        if self.exporter.export(spans) is SpanExportResult.SUCCESS:
            return True
        log.error("%d processing records could not be exported", len(spans))
        return False

    def shutdown(self) -> None:
        self.force_flush()
        self.exporter.shutdown()


def exporter_for(app: Flask) -> SpanExporter:
    """Return where the records go: the OTLP endpoint when one is set, else the JSON-lines file."""
    if app.config.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415 only when configured
            OTLPSpanExporter,
        )

        return OTLPSpanExporter(endpoint=app.config["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + "/v1/traces")
    path = Path(app.instance_path) / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(PRIVATE)
    return JsonLinesExporter(path)
