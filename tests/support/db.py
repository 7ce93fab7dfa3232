"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgres_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@contextmanager
def fresh_database(tmp: Path, name: str) -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it afterwards (PostgreSQL)."""
    admin = postgres_admin_url()
    if not admin:
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    dbname = f"t_{name}_{uuid.uuid4().hex[:12]}"
    base = make_url(admin).set(drivername="postgresql+psycopg")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    try:
        yield base.set(database=dbname).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        engine.dispose()
