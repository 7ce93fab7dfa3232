"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url


def postgres_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _admin() -> URL:
    return make_url(postgres_admin_url()).set(drivername="postgresql+psycopg")  # type: ignore[arg-type]


def ensure_database(url: str) -> None:
    """Create a PostgreSQL database named by a lazy `fresh_database` the first time it is used."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    engine = create_engine(_admin(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        engine.dispose()


@contextmanager
def fresh_database(tmp: Path, name: str, *, lazy: bool = False) -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it afterwards (PostgreSQL).

    With `lazy`, a PostgreSQL database is created only by `ensure_database`, so a test
    pays only for the databases of the services it starts.
    """
    if not postgres_admin_url():
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    dbname = f"t_{name}_{uuid.uuid4().hex[:12]}"
    url = _admin().set(database=dbname).render_as_string(hide_password=False)
    if not lazy:
        ensure_database(url)
    try:
        yield url
    finally:
        engine = create_engine(_admin(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        engine.dispose()
