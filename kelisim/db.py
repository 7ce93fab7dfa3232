"""Database engines: SQLite files by default, PostgreSQL in production."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine


def _ask_each_default_factory_once() -> None:
    """Pydantic asks `inspect.signature` of a field's default factory every time SQLModel
    makes a table row (`FieldInfo.get_default` -> `takes_validated_data_argument`): with
    three or four such fields, about a third of the cost of making a row. The answer depends
    only on the factory, so it is asked once per factory. Pydantic caches it for private
    attributes only (pydantic/pydantic#13376); the version is pinned in requirements/.
    """
    from pydantic._internal import _fields

    ask = _fields.takes_validated_data_argument
    if not hasattr(ask, "cache_info"):
        _fields.takes_validated_data_argument = functools.cache(ask)  # type: ignore[assignment]


_ask_each_default_factory_once()


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored and read back as aware UTC on every backend.

    SQLite keeps no offset: without this, 10:00+05:00 would be stored as 10:00 and read
    back as 10:00 UTC, five hours late. Naive values are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or not isinstance(value, datetime):
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


READ_ONLY = "kelisim_read_only"
BUSY_SECONDS = 30.0
_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


def _gate(database: str) -> threading.Lock:
    """The one write gate of a database file in this process."""
    with _gates_lock:
        return _gates.setdefault(str(Path(database).resolve()), threading.Lock())


class GatedConnection(sqlite3.Connection):
    """A SQLite connection whose writing transactions queue at the process's gate of the file.

    SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps
    1, 2, 5, 10 ... up to 100 ms between tries, so under a burst a writer slept for tens of
    milliseconds after the lock was already free (the notifications service spent most of
    an escalation's time there). Writers of one process now wait on a lock that wakes the
    next one the moment a transaction ends; SQLite's own lock still guards against other
    processes (a backup, a rebuild, the CLI).
    """

    gate: threading.Lock | None = None
    holding: bool = False

    def enter_writing(self) -> None:
        if self.gate is None or self.holding:
            return
        if not self.gate.acquire(timeout=BUSY_SECONDS):
            raise sqlite3.OperationalError("database is locked (waited for this process's writer)")
        self.holding = True

    def leave_writing(self) -> None:
        if self.holding and self.gate is not None:
            self.holding = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_writing()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_writing()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_writing()


def make_engine(url: str, *, echo: bool = False, null_pool: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        if null_pool:
            return create_engine(url, echo=echo, poolclass=NullPool)
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)

    on_disk = bool(parsed.database) and parsed.database != ":memory:"
    if on_disk:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={
            "check_same_thread": False,
            "timeout": BUSY_SECONDS,
            "factory": GatedConnection,
        },
        **({"poolclass": NullPool} if null_pool else {}),
    )
    gate = _gate(str(parsed.database)) if on_disk else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        if isinstance(dbapi_conn, GatedConnection):
            dbapi_conn.gate = gate
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so two writers never
        # read the same audit-chain head or outbox state and then collide. A read-only
        # session (read_session) begins deferred: WAL readers never wait for the lock.
        dbapi_conn = conn.connection.dbapi_connection
        if conn.get_execution_options().get(READ_ONLY, False):
            _begin(dbapi_conn, "BEGIN")
            return
        gated = dbapi_conn if isinstance(dbapi_conn, GatedConnection) else None
        if gated is not None:
            gated.enter_writing()
        try:
            _begin(dbapi_conn, "BEGIN IMMEDIATE")
        except BaseException:
            if gated is not None:
                gated.leave_writing()
            raise

    return engine


def _begin(dbapi_conn: Any, statement: str) -> None:
    """BEGIN on the driver's connection, an error wrapped as SQLAlchemy would wrap it.

    Every transaction of every service starts here: SQLAlchemy's `exec_driver_sql` cost a
    sixth of a one-row read (its events, logging and result set, for a statement that
    returns nothing).
    """
    try:
        dbapi_conn.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


def upsert(conn: Connection, table: Table) -> PgInsert | SqliteInsert:
    """An INSERT into `table` that can take `.on_conflict_do_update/nothing`, on either backend."""
    return upsert_for(conn.dialect.name, table)


def upsert_for(dialect: str, table: Table) -> PgInsert | SqliteInsert:
    """`upsert` by dialect name, for a statement built once and cached per backend."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for statements that need no ORM (SQLModel leaves it untyped)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def new_session(engine: Engine) -> Session:
    """A session that does not expire objects on commit (they are read after it)."""
    return Session(engine, expire_on_commit=False)


def read_session(engine: Engine) -> Session:
    """A session for reading only, all its reads from one snapshot (it must not write)."""
    return Session(reader(engine), expire_on_commit=False)


@functools.lru_cache(maxsize=64)
def reader(engine: Engine) -> Engine:
    """The engine's read-only view (same pool), made once.

    On SQLite it takes no write lock; a WAL reader's transaction already sees one snapshot.
    Elsewhere it reads in REPEATABLE READ, READ ONLY: PostgreSQL's default (READ COMMITTED)
    gives each statement the latest commit, and a page of several reads (the council figures,
    a measure's table after another) mixed two states. A read-only transaction there is
    never refused for serialization, so no read needs a retry.
    """
    if is_sqlite(engine):
        return engine.execution_options(**{READ_ONLY: True})
    return engine.execution_options(
        **{READ_ONLY: True}, isolation_level="REPEATABLE READ", postgresql_readonly=True
    )


LIKE_ESCAPE = "\\"  # the escape character of the patterns `containing` makes


def containing(text: str) -> str:
    """A LIKE pattern (with `escape=LIKE_ESCAPE`) matching `text` anywhere, taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class _Plan:
    sql: str
    order: Sequence[str] | None  # the names in the order of the SQL's `?`s (None: named)
    fixed: dict[str, Any]  # the statement's own values, bound once
    processors: dict[str, Callable[[Any], Any]]  # by name, for the values given


class DriverStatement:
    """A prebuilt statement compiled once for a dialect and run as the driver's own SQL.

    For hot reads whose caller shapes plain values itself: the parameters go through the
    statement's types (a datetime bound as SQLAlchemy stores it), the rows come back from
    the driver's own cursor as named tuples of what the driver gives, without SQLAlchemy's
    result types (on SQLite: datetimes and dates as ISO text, booleans as 0/1, which
    pydantic reads as well; on PostgreSQL: psycopg's values, times in the session's zone).
    On the connection's transaction, like any statement, but past SQLAlchemy's events: no
    span of its own when tracing is on (the request's span covers it). The case list's 51
    rows took 0.30 ms through `Connection.execute` and 0.14 by the bare driver; its pages
    went from 3.0-3.6x the bare indexed query to 2.2-2.6x (bench/caseload.py, SQLite).
    """

    _made: dict[tuple[int, str, str], DriverStatement] = {}

    @classmethod
    def of(cls, stmt: Any, dialect: Dialect) -> DriverStatement:
        """The statement compiled for the dialect, once per statement built once."""
        key = (id(stmt), dialect.name, dialect.driver)
        found = cls._made.get(key)
        if found is None or found.stmt is not stmt:  # an id can be reused by a new statement
            if len(cls._made) >= 1024:
                cls._made.clear()
            found = cls._made[key] = cls(stmt, dialect)
        return found

    def __init__(self, stmt: Any, dialect: Dialect) -> None:
        self.stmt = stmt
        self.compiled = stmt.compile(dialect=dialect)
        self.processors = {
            name: processor
            for name, bind in self.compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        # A list given at run time (`bindparam(..., expanding=True)`) changes the SQL with its
        # length; lists written into the statement (`in_([...])`) do not.
        self.varies = any(b.expanding and b.required for b in self.compiled.binds.values())
        self.plan: _Plan | None = None
        self.row: Any = None  # the rows' named tuple, made from the first result's columns
        self.converters: tuple[Callable[[Any], Any] | None, ...] | None = None  # `typed_rows`

    def _plan_for(self, params: dict[str, Any]) -> _Plan:
        """The SQL with its IN lists expanded, where each value goes, the fixed values bound."""
        state = self.compiled.construct_expanded_state(params)
        processors = {**self.processors, **state.processors}
        fixed = {}
        for name, value in state.parameters.items():
            if name not in params:
                processor = processors.get(name)
                fixed[name] = processor(value) if processor and value is not None else value
        return _Plan(state.statement, state.positiontup, fixed, processors)

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """The rows of the statement with these values of its bind parameters."""
        plan = self.plan
        if plan is None or self.varies:
            plan = self._plan_for(params)
            if not self.varies:
                self.plan = plan
        values = {**plan.fixed, **params}
        for name, value in params.items():
            processor = plan.processors.get(name)
            if processor is not None and value is not None:
                values[name] = processor(value)
        args = values if plan.order is None else tuple(values[name] for name in plan.order)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, args)
            if self.row is None:  # the statement's columns: the same at every run
                names = [column[0] for column in cursor.description]
                self.row = namedtuple("Row", names, rename=True)  # type: ignore[misc]
            return list(map(self.row._make, cursor.fetchall()))
        finally:
            cursor.close()

    def typed_rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """The rows with each column's value as `Connection.execute` gives it.

        The statement's own result processors (SQLAlchemy's, per column type and dialect:
        JSON text to lists, SQLite's ISO text to datetimes, 0/1 to booleans) applied to the
        driver's rows, without the rest of SQLAlchemy's result machinery. For columns whose
        processor does not ask the driver's type code (text, numbers, booleans, JSON,
        times): it is not passed.
        """
        found = self.rows(conn, params)
        if self.converters is None:
            dialect = conn.dialect
            self.converters = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self.stmt.selected_columns
            )
        converters = self.converters
        if not any(converters):
            return found
        return [
            self.row._make(
                value if convert is None or value is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            )
            for row in found
        ]
