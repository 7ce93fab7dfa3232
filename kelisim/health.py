"""Readiness and status: what takes a pod out of service, and what is only reported.

Ready means the process can serve its own API: its database answers and is at the
migration head. NATS, the consumers and the outbox are reported on `/status`, never by
readiness: while NATS is away writes wait in the outbox, so an unready pod would only
turn a messaging outage into a full one.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from kelisim import clock, migrations
from kelisim.tables import Backbone

# `revision = "0002"` / `down_revision: str | None = "0001"` in a migration file
REVISION = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


@functools.cache
def migration_heads(owner: str) -> frozenset[str] | None:
    """The revisions an owner's migrations end at; None when it ships none.

    Read from the files' `revision`/`down_revision` lines rather than with Alembic's
    ScriptDirectory: Alembic (and Mako) would stay in every service's memory for this alone.
    """
    try:
        versions = migrations.package_dir(owner) / "migrations" / "versions"
    except (LookupError, ModuleNotFoundError):
        return None
    if not versions.is_dir():
        return None
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        fields = dict(REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in fields:
            continue
        revisions.add(ast.literal_eval(fields["revision"]))
        down = ast.literal_eval(fields.get("down_revision", "None"))
        parents.update(down if isinstance(down, tuple | list) else [down] if down else [])
    return frozenset(revisions - parents)


def database_checks(engine: Engine, owner: str) -> dict[str, bool]:
    """Whether the database answers and is at the migration head (blocking: run in a thread)."""
    heads = migration_heads(owner)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                current = frozenset(rows)
            except DBAPIError:  # no alembic_version table: never migrated
                current = frozenset()
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
