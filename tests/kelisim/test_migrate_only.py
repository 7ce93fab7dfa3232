"""`kelisim migrate --only`: an init container migrates its own database, replicas at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kelisim.db import make_engine
from tests.support.cli import run_cli
from tests.support.db import ensure_database, fresh_database, postgres_admin_url


def heads(url: str) -> frozenset[str]:
    engine = make_engine(url, null_pool=True)
    try:
        with engine.connect() as conn:
            return frozenset(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def test_only_the_named_database_is_migrated(tmp_path: Path) -> None:
    with fresh_database(tmp_path, "cases") as url:
        done = run_cli(tmp_path, "migrate", "--only", "cases", KELISIM_CASES_DATABASE_URL=url)
        assert done.returncode == 0, done.stderr
        assert "migrated 1 databases: cases" in done.stdout + done.stderr
        assert heads(url)
        engine = make_engine(url, null_pool=True)
        assert "outbox" in inspect(engine).get_table_names()
        engine.dispose()
    assert not (tmp_path / "var" / "gateway.db").exists()


@pytest.mark.skipif(not postgres_admin_url(), reason="the advisory lock is PostgreSQL's")
def test_replicas_migrating_at_once_take_turns(tmp_path: Path) -> None:
    # Four processes, as four replicas' init containers (Alembic's context is per process:
    # threads of one process would share it and wait on each other forever).
    with fresh_database(tmp_path, "councils") as url:
        ensure_database(url)
        for n in range(4):
            (tmp_path / str(n)).mkdir()
        with ThreadPoolExecutor(4) as pool:
            runs = [
                pool.submit(
                    run_cli, tmp_path / str(n), "migrate", "--only", "councils",
                    KELISIM_COUNCILS_DATABASE_URL=url,
                )
                for n in range(4)
            ]  # fmt: skip
            done = [run.result() for run in runs]
        assert [d.returncode for d in done] == [0, 0, 0, 0], [d.stderr[-500:] for d in done]
        assert heads(url)
