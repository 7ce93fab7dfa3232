"""OpenTelemetry traces: one trace from the API call through the outbox and the stream on.

Every process installs the SDK's tracer provider, so each request and each consumed event
has a span whose trace id goes into every log line and, through the W3C propagator, into
the calls to the services, the outbox rows (so the relay publishes it in the NATS headers)
and the webhooks. Spans leave the process only when an exporter is configured: OTLP when
`OTEL_EXPORTER_OTLP_ENDPOINT` is set (the standard OTEL_* variables apply), JSON lines in a
file with `KELISIM_TRACE_FILE` (tests, debugging). SQLAlchemy statement spans, the costly
part, are made only while exporting.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from opentelemetry import propagate, trace
from opentelemetry.propagators.textmap import Getter
from starlette.types import Scope

if TYPE_CHECKING:
    from fastapi.telemetry import TelemetryConfig
    from sqlalchemy.engine import Engine
    from structlog.typing import EventDict, WrappedLogger

# Probes and scrapes are not traced: they would drown the traces that matter.
UNTRACED = frozenset({"/healthz", "/readyz", "/status", "/metrics"})
_state: dict[str, bool] = {}
tracer = trace.get_tracer("kelisim")


def exporting() -> bool:
    """Whether spans leave the process (an OTLP endpoint or a trace file is configured)."""
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("KELISIM_TRACE_FILE")
    )


def setup(service: str) -> None:
    """Install the tracer provider and the httpx instrumentation, once per process."""
    if _state.get("setup"):
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({"service.name": f"kelisim-{service}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if path := os.environ.get("KELISIM_TRACE_FILE"):
        provider.add_span_processor(_file_processor(path))
    trace.set_tracer_provider(provider)
    # The SDK's own tracer from now on: the proxy made at import passes every span through
    # one more context manager (a fortieth of a proxied read in the gateway).
    global tracer  # noqa: PLW0603 - the module's tracer, set once per process
    tracer = provider.get_tracer("kelisim")
    HTTPXClientInstrumentor().instrument()
    _state["setup"] = True


def _file_processor(path: str) -> Any:
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    out = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives with the process
    return SimpleSpanProcessor(
        ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n")
    )


# FastAPI's own telemetry stays off: the server span is Kelisim's (`serving`), and FastAPI's
# would be a second one per request, with a span per dependency. `FastAPI(telemetry=...)`.
FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


class _ScopeHeaders(Getter[Scope]):
    """Reads a propagator's headers (`traceparent`, `tracestate`, ...) from an ASGI scope."""

    def get(self, carrier: Scope, key: str) -> list[str] | None:
        name = key.lower().encode("latin-1")
        found = [v.decode("latin-1") for k, v in carrier["headers"] if k == name]
        return found or None

    def keys(self, carrier: Scope) -> list[str]:
        return [k.decode("latin-1") for k, _ in carrier["headers"]]


_FROM_SCOPE = _ScopeHeaders()


@contextlib.contextmanager
def serving(scope: Scope) -> Iterator[trace.Span]:
    """The server span of one HTTP request, continuing the caller's `traceparent`.

    Opened by `kelisim.web.RequestContext` around all the app's layers, named by its method
    until `served` names it by the route template the router matched. Probes and scrapes get
    none (UNTRACED). OpenTelemetry's generic ASGI middleware did this for a seventh of a
    proxied read in the gateway (py-spy, session 22): it gathered a dozen attributes from the
    URL, headers and client, and wrapped every `send`; the span, its context and its W3C
    propagation are the SDK's all the same.
    """
    if scope["path"] in UNTRACED:
        yield trace.INVALID_SPAN
        return
    parent = propagate.extract(scope, getter=_FROM_SCOPE)
    method = str(scope.get("method") or "HTTP")
    with tracer.start_as_current_span(
        method,
        context=parent,
        kind=trace.SpanKind.SERVER,
        attributes={"http.request.method": method, "url.scheme": scope.get("scheme", "http")},
        record_exception=True,
        set_status_on_exception=True,
    ) as span:
        yield span


def served(span: trace.Span, method: str, route: str, status: int) -> None:
    """Name a server span by its route template (`GET /api/v1/cases/{case_id}`), with its status.

    Only the template, never the path's values (an id in a path is a person's case).
    """
    if not span.is_recording():
        return
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(trace.StatusCode.ERROR)


def instrument_engine(engine: Engine) -> None:
    """Statement spans for an engine, only while exporting (they cost on every query)."""
    if exporting():
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().instrument(engine=engine)


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Write the current trace context (W3C `traceparent`) into outgoing headers."""
    propagate.inject(headers)
    return headers


def traceparent() -> str | None:
    """The current context as a W3C `traceparent`, to keep on a row for later work."""
    return inject({}).get("traceparent")


@contextlib.contextmanager
def consuming(headers: Mapping[str, str], name: str) -> Iterator[trace.Span]:
    """A consumer span continuing the trace whose context the message headers carry."""
    parent = propagate.extract(dict(headers))
    with tracer.start_as_current_span(name, context=parent, kind=trace.SpanKind.CONSUMER) as span:
        yield span


@contextlib.contextmanager
def continuing(parent: str | None, name: str) -> Iterator[trace.Span]:
    """A span continuing the trace a stored `traceparent` names (a new trace without one)."""
    context = propagate.extract({"traceparent": parent} if parent else {})
    with tracer.start_as_current_span(name, context=context) as span:
        yield span


def trace_id() -> str | None:
    """The current trace id in hex, or None outside a span."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def add_trace_ids(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: the trace and span ids of the current span, in every line."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict
