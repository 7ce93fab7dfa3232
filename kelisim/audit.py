"""The tamper-evident audit log: every state change, chained by SHA-256.

Each entry's hash covers its content and the previous entry's hash; a head row holds
the newest hash, so an edited, inserted, deleted or truncated entry breaks the chain.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, Table, Update, bindparam, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ReturningInsert

from kelisim.clock import now
from kelisim.tables import Backbone

GENESIS = "0" * 64


def canonical(value: Any) -> str | None:
    """Stable JSON of a before/after snapshot (sorted keys, no spaces)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: str | None,
    after: str | None,
) -> str:
    """The SHA-256 of one entry, over its fields and the previous hash."""
    stamp = _utc(at).isoformat(timespec="microseconds")
    material = json.dumps(
        [prev_hash, stamp, actor, action, entity, entity_id, before, after],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _utc(at: datetime) -> datetime:
    # SQLite returns naive datetimes: they were stored as UTC.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class Entry:
    """One audit entry before it joins the chain (snapshots already canonical JSON)."""

    actor: str
    action: str
    entity: str
    entity_id: str
    before: str | None = None
    after: str | None = None


def entry(
    *, actor: str, action: str, entity: str, entity_id: Any, before: Any = None, after: Any = None
) -> Entry:
    """An entry with its snapshots taken now: a later change to `before`/`after` is not in it."""
    return Entry(actor, action, entity, str(entity_id), canonical(before), canonical(after))


def append(
    conn: Connection,
    tables: Backbone,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
) -> str:
    """Append one entry in the caller's transaction; returns its hash."""
    one = entry(
        actor=actor, action=action, entity=entity, entity_id=entity_id, before=before, after=after
    )
    return append_all(conn, tables, [one])


def append_all(conn: Connection, tables: Backbone, entries: Sequence[Entry]) -> str:
    """Append `entries`, in order, in the caller's transaction; returns the newest hash.

    One lock of the chain head, one multi-row insert and one head update for the lot: a unit
    of work writes its entries at commit (kelisim.uow), not three statements per entry.
    """
    head_t, log_t = tables.audit_head, tables.audit_log
    prev: str = _lock_head(conn, tables).hash
    at = now()  # after the lock: `at` never goes back along the chain
    rows = []
    for e in entries:
        digest = entry_hash(prev, at, e.actor, e.action, e.entity, e.entity_id, e.before, e.after)
        rows.append(
            {
                "at": at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "before": e.before,
                "after": e.after,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    seq = conn.execute(_append_rows(log_t), rows).scalars().all()[-1]
    conn.execute(_move_head(head_t), {"new_seq": seq, "new_hash": prev})
    return prev


# Each statement is built once per table: a unit of work appends at every commit, and
# building and keying the statements each time cost as much as running them.
@functools.cache
def _append_rows(log_t: Table) -> ReturningInsert[tuple[int]]:
    return log_t.insert().returning(log_t.c.seq, sort_by_parameter_order=True)


@functools.cache
def _move_head(head_t: Table) -> Update:
    return (
        head_t.update()
        .where(head_t.c.id == 1)
        .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
    )


@functools.cache
def _locked_head(head_t: Table) -> Select[Any]:
    return select(head_t).where(head_t.c.id == 1).with_for_update()


def _lock_head(conn: Connection, tables: Backbone) -> Row[int, int, str]:
    """Lock the chain head (creating it at genesis once), so appenders queue up behind it."""
    head_t = tables.audit_head
    locked = _locked_head(head_t)
    # FOR UPDATE serialises appenders on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
    head = conn.execute(locked).first()
    if head is not None:
        return head
    try:
        with conn.begin_nested():
            conn.execute(head_t.insert().values(id=1, seq=0, hash=GENESIS))
    except IntegrityError:
        pass  # another transaction created it first; now wait for its lock
    return conn.execute(locked).one()


@dataclass
class VerifyResult:
    """The outcome of walking one audit chain."""

    entries: int
    ok: bool
    problem: str | None = None
    at_seq: int | None = None
    last_seq: int | None = None
    hashes: dict[int, str] = field(default_factory=dict)


def verify(engine: Engine, tables: Backbone, at_seqs: Collection[int] = ()) -> VerifyResult:
    """Walk the chain in order and report the first break; keep the hashes at `at_seqs`."""
    log_t, head_t = tables.audit_log, tables.audit_head
    prev, count, last_seq = GENESIS, 0, None
    wanted, hashes = set(at_seqs), {}
    with engine.connect() as conn:
        rows = conn.execute(select(log_t).order_by(log_t.c.seq)).yield_per(1000)
        for row in rows:
            if row.prev_hash != prev:
                return VerifyResult(count, False, "entry missing or reordered before it", row.seq)
            digest = entry_hash(
                row.prev_hash,
                row.at,
                row.actor,
                row.action,
                row.entity,
                row.entity_id,
                row.before,
                row.after,
            )
            if digest != row.hash:
                return VerifyResult(count, False, "entry content altered", row.seq)
            prev, count, last_seq = row.hash, count + 1, row.seq
            if row.seq in wanted:
                hashes[row.seq] = row.hash
        head = conn.execute(select(head_t).where(head_t.c.id == 1)).first()
    if head is None and count:
        return VerifyResult(count, False, "chain head missing", last_seq)
    if head is not None and (head.hash != prev or head.seq != (last_seq or 0)):
        return VerifyResult(count, False, "entries deleted from the end of the chain", head.seq)
    return VerifyResult(count, True, last_seq=last_seq, hashes=hashes)


def history(
    conn: Connection, tables: Backbone, entity: str, entity_id: str
) -> list[dict[str, Any]]:
    """The audit entries of one entity, oldest first."""
    log_t = tables.audit_log
    rows = conn.execute(
        select(log_t)
        .where(log_t.c.entity == entity, log_t.c.entity_id == str(entity_id))
        .order_by(log_t.c.seq)
    )
    return [
        {
            "seq": r.seq,
            "at": _utc(r.at).isoformat(),
            "actor": r.actor,
            "action": r.action,
            "before": json.loads(r.before) if r.before else None,
            "after": json.loads(r.after) if r.after else None,
            "hash": r.hash,
        }
        for r in rows
    ]
