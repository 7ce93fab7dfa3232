"""Every owner's migrations go up, down and up again, and match its models (`alembic check`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from kelisim.cli import has_migrations
from kelisim.db import make_engine
from kelisim.migrations import OWNERS, alembic_config
from tests.support.db import fresh_database


def table_names(url: str) -> set[str]:
    engine = make_engine(url, null_pool=True)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.parametrize("owner", OWNERS)
def test_migrations_upgrade_downgrade_upgrade_and_match_the_models(owner: str, tmp_path: Path):
    if not has_migrations(owner):
        pytest.skip(f"{owner} has no migrations in this checkout yet")
    with fresh_database(tmp_path, owner) as url:
        config = alembic_config(owner, url)
        command.upgrade(config, "head")
        tables = table_names(url)
        assert {"outbox", "inbox", "dead_letter", "audit_log", "audit_head"} <= tables

        command.downgrade(config, "base")
        assert table_names(url) == set()

        command.upgrade(config, "head")
        assert table_names(url) == tables
        command.check(config)
