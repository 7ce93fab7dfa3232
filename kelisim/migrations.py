"""Alembic per owner (each service and the gateway): configs, upgrades and the shared env."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from kelisim.db import make_engine
from kelisim.settings import SERVICES, Settings

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import MetaData

OWNERS = ("gateway", *SERVICES)
LOCK_KEY = 0x6B656C6973696D  # "kelisim": the advisory lock of migrations


def package_dir(owner: str) -> Path:
    module = "gateway" if owner == "gateway" else f"services.{owner}"
    file = importlib.import_module(module).__file__
    if file is None:
        raise LookupError(f"{module} is not a regular package: it has no directory")
    return Path(file).parent


def alembic_config(owner: str, url: str) -> Config:
    """The Alembic config of one owner, pointed at `url`."""
    from alembic.config import Config  # only where migrations run: services never load Alembic

    here = package_dir(owner)
    cfg = Config(str(here / "alembic.ini"))
    cfg.set_main_option("script_location", str(here / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["owner"] = owner
    return cfg


def upgrade(owner: str, url: str, revision: str = "head") -> None:
    if revision == "head" and at_head(owner, url):
        return  # nothing to migrate, and Alembic is not imported
    from alembic import command

    command.upgrade(alembic_config(owner, url), revision)


def at_head(owner: str, url: str) -> bool:
    """Whether the owner's database answers and is at its migrations' head, read without
    Alembic: importing it is a tenth of a second of every start with nothing to migrate."""
    from kelisim.health import database_checks

    engine = make_engine(url, null_pool=True)
    try:
        checks = database_checks(engine, owner)
    finally:
        engine.dispose()
    return checks["database"] and checks["migrated"]


def run_env(metadata: MetaData) -> None:
    """The body of every migrations/env.py: online migrations against the configured URL."""
    from alembic import context
    from sqlalchemy import text

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        owner = config.attributes.get("owner") or config.get_main_option("kelisim_owner")
        if not owner:
            raise LookupError("the Alembic config names no owner and no sqlalchemy.url")
        url = Settings().database_url(owner)
    engine = make_engine(url, null_pool=True)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas' init containers may migrate at once: one at a time, the later
                # ones then find the database at head (the lock ends with the transaction).
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            context.run_migrations()
    engine.dispose()
