"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database per test.

`migrated(owner, url)` brings a test's database to head. A new one is a copy of a database
this test process migrated once per owner (a file copy on SQLite, `CREATE DATABASE ...
TEMPLATE` on PostgreSQL); the copy has the very schema and Alembic version the migrations
made. (Measured on tests/cases on PostgreSQL, this saves little: 126 s against 129 s.)
A database that already exists is upgraded as usual. The migrations themselves are
tested on empty databases (tests/kelisim/test_migrations.py, test_cli.py).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from kelisim import migrations


def postgres_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _admin() -> URL:
    return make_url(postgres_admin_url()).set(drivername="postgresql+psycopg")  # type: ignore[arg-type]


def ensure_database(url: str, *, template: Callable[[], str] | None = None) -> bool:
    """Create a PostgreSQL database named by a lazy `fresh_database` the first time it is used
    (a copy of the database `template()` names, if given); whether it was created now."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return False
    engine = create_engine(_admin(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).first()
            if exists:
                return False
            copy = f' TEMPLATE "{template()}"' if template is not None else ""
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"{copy}'))
            return True
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
        _drop(dbname)


_templates: dict[tuple[str, str], str] = {}  # (backend, owner) -> template file or database
_templates_lock = threading.Lock()


def migrated(owner: str, url: str) -> None:
    """Bring `owner`'s database at `url` to head: a new one is copied from a migrated template."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database)
        if not path.exists() or path.stat().st_size == 0:
            shutil.copyfile(_template("sqlite", owner), path)
            return
    elif ensure_database(url, template=lambda: _template("postgresql", owner)):
        return
    migrations.upgrade(owner, url)


def _template(backend: str, owner: str) -> str:
    """The migrated template of `owner` on `backend`, made the first time it is asked for."""
    with _templates_lock:
        if (backend, owner) in _templates:
            return _templates[(backend, owner)]
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="kelisim-templates-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            made = str(folder / f"{owner}.db")
            migrations.upgrade(owner, f"sqlite:///{made}")
        else:
            made = f"tpl_{owner}_{uuid.uuid4().hex[:12]}"
            url = _admin().set(database=made).render_as_string(hide_password=False)
            ensure_database(url)
            atexit.register(_drop, made)
            migrations.upgrade(owner, url)
        _templates[(backend, owner)] = made
        return made


def _drop(database: str) -> None:
    engine = create_engine(_admin(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()
