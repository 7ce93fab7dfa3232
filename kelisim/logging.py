"""Structured logs (structlog) for every process: JSON in production, readable in a terminal.

Tracebacks are rendered plainly in both modes: no local variables (they hold tokens and
personal data, and rendering thousands of lines of them blocked the event loop for seconds),
and in JSON mode as the formatted string under `exception`.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from kelisim.tracing import add_trace_ids


class _Sink:
    """Where structlog's own lines go: the stream of the last `configure`.

    Loggers are cached on their first use and keep their file, so they hold this object and
    a later `configure` (tests) still redirects them.
    """

    stream: TextIO = sys.stderr

    def write(self, text: str) -> int:
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


_SINK = _Sink()


class _Renderer:
    """The last processor of Kelisim's own lines: renders as the last `configure` said
    (a cached logger keeps its processors, and this one among them)."""

    chain: tuple[Processor, ...] = ()

    def __call__(self, logger: WrappedLogger, name: str, event_dict: EventDict) -> Any:
        rendered: Any = event_dict
        for step in self.chain:
            rendered = step(logger, name, rendered)
        return rendered


_RENDERER = _Renderer()


def configure(
    level: str = "INFO",
    *,
    json: bool = False,
    service: str | None = None,
    stream: TextIO | None = None,
) -> None:
    """Render structlog's and the standard library's records alike, one line each.

    Kelisim's own lines go from structlog straight to the stream (a level-filtering logger,
    then the renderer): through the standard library's logger, record, handler and
    formatter they cost a twentieth of a cached read request, the access line alone
    (issue 13). Other libraries' records (uvicorn, Alembic) take the standard library's
    path to the same renderer.
    """
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,  # the trace id in every line, to find a request's lines in every process
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if service:
        processors.insert(0, _bind_service(service))
    rendering = _render(json=json)
    _SINK.stream = stream or sys.stderr
    _RENDERER.chain = tuple(rendering)
    structlog.configure(
        processors=[*processors, _RENDERER],
        logger_factory=structlog.WriteLoggerFactory(file=_SINK),  # type: ignore[arg-type]
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(_SINK)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=processors,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *rendering,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("nats").setLevel(logging.WARNING)


def _render(*, json: bool) -> list[Processor]:
    if json:
        # format_exc_info turns exc_info into the plain formatted traceback string.
        return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    console = structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )
    return [console]


def _bind_service(service: str) -> Processor:
    def add(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add
