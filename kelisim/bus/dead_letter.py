"""The dead-letter table of a service database: messages a consumer could never apply.

Written by the consumer (kelisim.bus.consumer) when it terminates a message, read by the
admin's dead-letter pages.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from sqlalchemy import select
from sqlalchemy.engine import Engine

from kelisim.tables import Backbone


def write_dead_letter(
    engine: Engine,
    tables: Backbone,
    consumer: str,
    msg: Msg,
    event_id: str,
    error: str,
    deliveries: int,
) -> None:
    """Keep the message for the admin, once per consumer and event."""
    dead = tables.dead_letter
    with engine.begin() as conn:
        exists = conn.execute(
            select(dead.c.id).where(dead.c.consumer == consumer, dead.c.event_id == event_id)
        ).first()
        if exists:
            return
        conn.execute(
            dead.insert().values(
                consumer=consumer,
                event_id=event_id,
                subject=msg.subject,
                payload=msg.data.decode("utf-8", errors="replace"),
                headers=json.dumps(dict(msg.headers or {})),
                error=error[:4000],
                deliveries=deliveries,
                created_at=datetime.now(UTC),
            )
        )


def dead_letters(
    engine: Engine, tables: Backbone, *, before: int | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The dead-letter rows of a service database, newest first (ids below `before`)."""
    dead = tables.dead_letter
    query = select(dead).order_by(dead.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(dead.c.id < before)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
