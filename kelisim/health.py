"""Readiness and status: what takes a pod out of service, and what is only reported.

Ready means the process can serve its own API: its database answers and is at the
migration head. NATS, the consumers and the outbox are reported on `/status`, never by
readiness: while NATS is away writes wait in the outbox, so an unready pod would only
turn a messaging outage into a full one.
"""

from __future__ import annotations

import functools
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from kelisim import clock, migrations
from kelisim.tables import Backbone


@functools.cache
def migration_heads(owner: str) -> frozenset[str] | None:
    """The revisions an owner's migrations end at; None when it ships none."""
    try:
        config = migrations.alembic_config(owner, "sqlite://")
    except (LookupError, ModuleNotFoundError):
        return None
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_checks(engine: Engine, owner: str) -> dict[str, bool]:
    """Whether the database answers and is at the migration head (blocking: run in a thread)."""
    heads = migration_heads(owner)
    try:
        with engine.connect() as conn:
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except Exception:  # noqa: BLE001 - unreachable: not ready, whatever the reason
        return {"database": False, "migrated": False}
    return {"database": True, "migrated": heads is None or current == heads}


def outbox_state(engine: Engine, tables: Backbone) -> dict[str, Any]:
    """The unsent events and the age of the oldest (blocking: run in a thread)."""
    outbox = tables.outbox
    try:
        with engine.connect() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(
                    outbox.c.sent_at.is_(None)
                )
            ).one()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"error": exc.__class__.__name__}
    age = (clock.now() - oldest).total_seconds() if oldest is not None else 0.0
    return {"backlog": int(count), "oldest_age_seconds": round(max(age, 0.0), 3)}
