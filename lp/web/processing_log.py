"""The processing log (Logius "Logboek Dataverwerkingen"): one record per person per processing of his data.

The audit trail (``lp.web.audit``) says which user did what; this log says, for each
person, which processing activity touched his data, without saying who did it (the
standard's decision "no data about users in log rows"). The two are linked by the trace
id: every audit row about a person carries the trace id of the records written with it.

Records are OpenTelemetry spans, the standard's own data model and transport
(``dpl.core.*`` attributes; source: github.com/Logius-standaarden/logboek-dataverwerkingen,
sections/03-specificaties). Each record is a child span of one span per request (or
per app context on the command line); when the caller sent a W3C ``traceparent``, that
span is the caller's child, so the caller's trace id is kept. Every span is kept (no
sampling). The person is named by a keyed hash (HMAC-SHA256) of his V-number, never by
the number itself: the log can be matched to a person only by whoever holds the key.

Records are queued in the database session and written when it commits (status OK), so
a change that is not saved is not logged as done; when the transaction rolls back
instead (the view log could not be saved, a write failed), its records get status
ERROR. The records of one commit are exported together before the committing code goes
on: to the OTLP endpoint in ``OTEL_EXPORTER_OTLP_ENDPOINT`` when set, else to
``processing-log.jsonl`` in the instance folder (one JSON object per line, readable by
the owner only).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_ON
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import event
from sqlalchemy.orm import Session

from lp.web.processing_export import PerCommitProcessor, exporter_for

#: The processing activities, each with the setting that holds its URI in the register of
#: processing activities (AVG art. 30) and the name its records get. README lists the defaults.
ACTIVITIES: dict[str, tuple[str, str]] = {
    "view": ("LP_DPL_ACTIVITY_VIEW", "view person data"),
    "create": ("LP_DPL_ACTIVITY_CREATE", "register person data"),
    "change": ("LP_DPL_ACTIVITY_CHANGE", "change person data"),
    "export": ("LP_DPL_ACTIVITY_EXPORT", "export person data"),
    "csv_export": ("LP_DPL_ACTIVITY_CSV_EXPORT", "export request list (CSV)"),
    "access_export": ("LP_DPL_ACTIVITY_ACCESS_EXPORT", "right of access export"),
    "retention": ("LP_DPL_ACTIVITY_RETENTION", "anonymise after retention period"),
}
DEFAULT_URI = "urn:lp-tracker:processing-activity:{}"
#: The settings of this module with their defaults (``lp.web.config`` takes them in).
SETTINGS: dict[str, Any] = {
    **{setting: DEFAULT_URI.format(name.replace("_", "-")) for name, (setting, _label) in ACTIVITIES.items()},
    "LP_DPL_SUBJECT_KEY": None,
    "LP_DPL_SUBJECT_ID_TYPE": "Vreemdelingennummer",
    "OTEL_EXPORTER_OTLP_ENDPOINT": None,
}
ACTIVITY_ID = "dpl.core.processing_activity_id"
SUBJECT_ID = "dpl.core.data_subject_id"
SUBJECT_ID_TYPE = "dpl.core.data_subject_id_type"
EXTENSION = "lp_processing_log"
_QUEUE = "lp_processing_queue"
_ROOT = "_lp_processing_root"
_propagator = TraceContextTextMapPropagator()


@dataclass(frozen=True)
class _Processing:
    activity: str
    subject: str
    start_ns: int


def subject_key(config: Any) -> bytes:
    """Return the key of the pseudonyms: the setting, or one derived from SECRET_KEY."""
    if config.get("LP_DPL_SUBJECT_KEY"):
        return str(config["LP_DPL_SUBJECT_KEY"]).encode()
    return hmac.new(str(config["SECRET_KEY"]).encode(), b"lp-tracker processing log subject key",
                    hashlib.sha256).digest()


def pseudonym(v_number: str, key: bytes) -> str:
    """Return the keyed hash of a V-number: the same person always gets the same pseudonym."""
    return hmac.new(key, v_number.encode(), hashlib.sha256).hexdigest()


def provider(app: Flask | None = None) -> TracerProvider:
    """Return the tracer provider of ``app`` (default: the current app); tests add exporters to it."""
    return (app or current_app).extensions[EXTENSION]


def note(activity: str, v_numbers: Iterable[str | None], session: Session) -> str | None:
    """Queue one record per person for when ``session`` commits; return the trace id (hex) they get."""
    if activity not in ACTIVITIES:
        raise ValueError(f"unknown processing activity {activity!r}")
    subjects = {v for v in v_numbers if v}
    if not subjects or not has_app_context() or EXTENSION not in current_app.extensions:
        return None
    start = time.time_ns()
    session.info.setdefault(_QUEUE, []).extend(_Processing(activity, s, start) for s in sorted(subjects))
    return trace_id()


def trace_id() -> str | None:
    """Return the trace id (32 hex digits) of the current request's records, for the audit row."""
    if not has_app_context() or EXTENSION not in current_app.extensions:
        return None
    return format(_root().get_span_context().trace_id, "032x")


def _root() -> Span:
    """Return the span of this request (or app context) that the records are children of."""
    root = g.get(_ROOT)
    if root is None:
        parent = None
        command = click.get_current_context(silent=True)
        name = command.command_path if command else "lp-tracker"
        if has_request_context():
            parent = _propagator.extract(request.headers)  # the caller's traceparent, if any
            name = f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
        root = provider().get_tracer(__name__).start_span(name, context=parent, kind=trace.SpanKind.SERVER)
        g.setdefault(_ROOT, root)
    return root


def _write(processings: list[_Processing], ok: bool) -> None:
    config = current_app.config
    key = subject_key(config)
    tracer = provider().get_tracer(__name__)
    parent = trace.set_span_in_context(_root())
    for processing in processings:
        setting, label = ACTIVITIES[processing.activity]
        span = tracer.start_span(label, context=parent, start_time=processing.start_ns, attributes={
            ACTIVITY_ID: config[setting],
            SUBJECT_ID: pseudonym(processing.subject, key),
            SUBJECT_ID_TYPE: config["LP_DPL_SUBJECT_ID_TYPE"],
        })
        span.set_status(Status(StatusCode.OK) if ok else Status(StatusCode.ERROR, "not saved: rolled back"))
        span.end()
    provider().force_flush()


def _after_commit(session: Session) -> None:
    queued = session.info.pop(_QUEUE, None)
    if queued and has_app_context():
        _write(queued, ok=True)


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is not None:  # a savepoint: the outer transaction goes on
        return
    queued = session.info.pop(_QUEUE, None)
    if queued and has_app_context():
        _write(queued, ok=False)


def _end_root(_exception: BaseException | None = None) -> None:
    root = g.pop(_ROOT, None)
    if root is not None:
        root.end()
        provider().force_flush()


class InvalidProcessingLogSetting(RuntimeError):
    """A processing log setting would make records that name no register entry, or weak pseudonyms."""


#: A shorter key could be guessed, and with it every V-number behind a pseudonym (there are only 10^10).
SUBJECT_KEY_MIN_LENGTH = 32


def check_settings(config: Any) -> None:
    """Refuse an activity that is not an absolute URI, and a pseudonym key that is too short."""
    for setting, _label in ACTIVITIES.values():
        parts = urlsplit(str(config.get(setting) or ""))
        if not parts.scheme or not (parts.netloc or parts.path):
            raise InvalidProcessingLogSetting(
                f"{setting} must be the absolute URI of the activity in the register of processing "
                f"activities (for example https://register.example.org/activities/12), not {config.get(setting)!r}")
    key = config.get("LP_DPL_SUBJECT_KEY")
    if key and len(str(key)) < SUBJECT_KEY_MIN_LENGTH:
        raise InvalidProcessingLogSetting(
            f"LP_DPL_SUBJECT_KEY is shorter than {SUBJECT_KEY_MIN_LENGTH} characters: the pseudonyms could be "
            'reversed. Make one with python -c "import secrets; print(secrets.token_hex(32))", or leave it unset.')


def init_app(app: Flask) -> None:
    """Give ``app`` its processing log: a tracer provider without sampling, and its exporter."""
    check_settings(app.config)
    tracer_provider = TracerProvider(sampler=ALWAYS_ON, resource=Resource.create({"service.name": "lp-tracker"}),
                                     shutdown_on_exit=False)  # nothing waits: every commit exports its records
    tracer_provider.add_span_processor(PerCommitProcessor(exporter_for(app)))
    app.extensions[EXTENSION] = tracer_provider
    app.teardown_appcontext(_end_root)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
