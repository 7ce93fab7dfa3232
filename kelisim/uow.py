"""The unit of work: one transaction holding a change, its audit entries and its events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from kelisim import audit
from kelisim.bus.outbox import add_rows, outbox_row
from kelisim.db import new_session
from kelisim.events import Envelope, EventData
from kelisim.tables import Backbone


@dataclass(frozen=True)
class Actor:
    """Who is acting (the trace travels in the OpenTelemetry context, kelisim.tracing)."""

    username: str


SYSTEM = Actor("system")


class UnitOfWork:
    """Commit once: rows, audit entries and outbox events succeed or fail together."""

    def __init__(
        self,
        engine: Engine,
        tables: Backbone,
        *,
        source: str,
        actor: Actor = SYSTEM,
        on_commit: Callable[[], None] | None = None,
        waker: Callable[[list[tuple[str, str]]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.source = source
        self.actor = actor
        self._on_commit = on_commit
        self._waker = waker
        self.events: list[Envelope] = []
        self.wakes: list[tuple[str, str]] = []
        self._outbox: list[dict[str, Any]] = []  # written at commit, like the audit entries
        self._audit: list[audit.Entry] = []  # written at commit, so a rollback leaves none
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = new_session(self.engine)
        self.session.begin()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.session.in_transaction():
            self.session.rollback()
        self.session.close()

    @property
    def conn(self) -> Connection:
        """The transaction's connection, for Core statements."""
        return self.session.connection()

    def emit(self, data: EventData, *, aggregate: str, subject: str | None = None) -> Envelope:
        """Queue an event for the outbox: written at commit, in order, with this transaction.

        Its envelope (id, time, trace context) is made now, so it is what a handler returns.
        """
        actor = self.actor.username
        envelope, row = outbox_row(
            data, source=self.source, aggregate=aggregate, subject=subject, actor=actor
        )
        self.events.append(envelope)
        self._outbox.append(row)
        return envelope

    def audit(
        self, action: str, entity: str, entity_id: Any, *, before: Any = None, after: Any = None
    ) -> None:
        """Add an audit entry to this transaction: written to the chain at commit, in order."""
        self._audit.append(
            audit.entry(
                actor=self.actor.username,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=before,
                after=after,
            )
        )

    def wake(self, work: str, key: str) -> None:
        """After the commit, wake the service's `work` workers for `key` (kelisim.bus.wake)."""
        self.wakes.append((work, key))

    def commit(self) -> None:
        """Write the rows, then the outbox events, then the audit entries, and commit.

        One flush for every row the handler changed (SQLAlchemy batches a table's inserts),
        one insert for the events and one append to the audit chain. The chain's head is
        locked last, after every row lock the change takes, and held only until the commit.
        """
        self.session.flush()
        if self._outbox:
            add_rows(self.conn, self.tables, self._outbox)
            self._outbox = []
        if self._audit:
            audit.append_all(self.conn, self.tables, self._audit)
            self._audit = []
        self.session.commit()
        if self.events and self._on_commit is not None:
            self._on_commit()
        if self.wakes and self._waker is not None:
            self._waker(self.wakes)
