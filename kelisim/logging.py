"""Structured logs (structlog) for every process: JSON in production, readable in a terminal.

Tracebacks are rendered plainly in both modes: no local variables (they hold tokens and
personal data, and rendering thousands of lines of them blocked the event loop for seconds),
and in JSON mode as the formatted string under `exception`.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from kelisim.tracing import add_trace_ids


def configure(
    level: str = "INFO",
    *,
    json: bool = False,
    service: str | None = None,
    stream: TextIO | None = None,
) -> None:
    """Route stdlib and structlog records through one structured renderer."""
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,  # the trace id in every line, to find a request's lines in every process
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if service:
        processors.insert(0, _bind_service(service))
    structlog.configure(
        processors=[*processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=processors, processors=_render(json=json)
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("nats").setLevel(logging.WARNING)


def _render(*, json: bool) -> list[Processor]:
    strip = structlog.stdlib.ProcessorFormatter.remove_processors_meta
    if json:
        # format_exc_info turns exc_info into the plain formatted traceback string.
        return [strip, structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    console = structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )
    return [strip, console]


def _bind_service(service: str) -> Processor:
    def add(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add
