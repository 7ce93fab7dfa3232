"""The databases' side of a backup: a consistent copy of a live database (SQLite's online
backup API, `pg_dump --format=custom`) and its restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from kelisim.backup.common import BackupError


@dataclass
class Owner:
    """One database to copy: its owner's name and URL."""

    name: str
    url: str

    @property
    def postgres(self) -> bool:
        return make_url(self.url).get_backend_name() == "postgresql"

    @property
    def file(self) -> str:
        return f"databases/{self.name}.{'dump' if self.postgres else 'db'}"


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts)
    if versions:
        return str(versions[-1])
    raise BackupError(f"{name} not found: install the PostgreSQL client tools (postgresql-client)")


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq options and environment for a URL (the password in PGPASSWORD, not in argv)."""
    parsed: URL = make_url(url)
    args = ["--dbname", parsed.database or "postgres"]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
        raise BackupError(f"{what}: {first}")


def copy_database(owner: Owner, out: Path) -> None:
    """A consistent copy of a live database (SQLite backup API or pg_dump)."""
    if owner.postgres:
        args, env = _pg_args(owner.url)
        dump = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out)]
        _run([*dump, *args], env, f"pg_dump of {owner.name}")
        return
    path = Path(make_url(owner.url).database or "")
    if not path.exists():
        raise BackupError(f"{owner.name}: no database at {path}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(out)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def restore_database(owner: Owner, src: Path) -> None:
    """Replace a database by its copy (the processes using it must be stopped)."""
    if owner.postgres:
        _ensure_postgres_database(owner.url)
        args, env = _pg_args(owner.url)
        restore = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner"]
        restore += ["--single-transaction", "--exit-on-error"]
        _run([*restore, *args, str(src)], env, f"pg_restore of {owner.name}")
        return
    path = Path(make_url(owner.url).database or "")
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(src, path)


def _ensure_postgres_database(url: str) -> None:
    from kelisim.db import make_engine

    parsed = make_url(url)
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).first()
            if not found:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()
