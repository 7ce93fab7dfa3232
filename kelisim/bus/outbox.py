"""The transactional outbox: an event row written in the caller's database transaction."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.engine import Connection

from kelisim import tracing
from kelisim.bus.headers import ACTOR
from kelisim.events import Envelope, EventData
from kelisim.tables import Backbone


def outbox_row(
    data: EventData,
    *,
    source: str,
    aggregate: str,
    subject: str | None = None,
    actor: str | None = None,
) -> tuple[Envelope, dict[str, Any]]:
    """An event's envelope and its outbox row, made now (its id, time and trace context).

    The row keeps the current trace context, so the relay publishes it in the NATS headers
    and the consumers continue the trace.
    """
    envelope = Envelope.wrap(data, source=source, subject=subject or aggregate)
    headers: dict[str, str] = {}
    tracing.inject(headers)
    if actor:
        headers[ACTOR] = actor
    row = {
        "event_id": envelope.id,
        "subject": envelope.nats_subject,
        "aggregate": aggregate,
        "envelope": envelope.to_bytes().decode(),
        "headers": json.dumps(headers),
        "created_at": datetime.now(UTC),
    }
    return envelope, row


def add_rows(conn: Connection, tables: Backbone, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows in the caller's transaction, in their order, in one statement."""
    if rows:
        conn.execute(_insert(tables.outbox), rows)


@functools.cache
def _insert(outbox: Table) -> Insert:
    """The outbox's INSERT, built once: its values come as parameters."""
    return outbox.insert()
