"""The inbox: which events a consumer has applied, written in the handler's transaction.

A consumer asks it before applying a batch and adds each event it applies, so a message
delivered again (a redelivery, a replay, another replica) is applied once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, select
from sqlalchemy.engine import Connection

from kelisim.events import Envelope


def seen(conn: Connection, inbox: Table, consumer: str, event_ids: Iterable[str]) -> set[str]:
    """Which of these events the consumer's inbox already holds."""
    found = conn.execute(_seen_query(inbox), {"consumer": consumer, "ids": list(event_ids)})
    return set(found.scalars())


def mark_applied(conn: Connection, inbox: Table, consumer: str, envelope: Envelope) -> None:
    """Record the event as applied by the consumer (in the caller's transaction)."""
    row = {
        "consumer": consumer,
        "event_id": envelope.id,
        "subject": envelope.nats_subject,
        "processed_at": datetime.now(UTC),
    }
    conn.execute(_insert(inbox), row)


# Built once per inbox: every message runs one and, applied, the other; building and keying
# them each time cost about what running them did.
@functools.cache
def _seen_query(inbox: Table) -> Select[Any]:
    return select(inbox.c.event_id).where(
        inbox.c.consumer == bindparam("consumer"),
        inbox.c.event_id.in_(bindparam("ids", expanding=True)),
    )


@functools.cache
def _insert(inbox: Table) -> Insert:
    return inbox.insert()
