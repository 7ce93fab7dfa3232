"""Leases in the service database: one holder at a time for work replicas must not share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kelisim.tables import Backbone


def try_acquire(engine: Engine, tables: Backbone, name: str, holder: str, ttl: float) -> bool:
    """Take or renew the lease `name` for `holder`; False while another holder has it."""
    lease = tables.lease
    now = datetime.now(UTC)
    until = now + timedelta(seconds=ttl)
    try:
        with engine.begin() as conn:
            taken = conn.execute(
                lease.update()
                .where(lease.c.name == name)
                .where(or_(lease.c.holder == holder, lease.c.expires_at < now))
                .values(holder=holder, expires_at=until)
            ).rowcount
            if taken:
                return True
            exists = conn.execute(lease.select().where(lease.c.name == name)).first()
            if exists:
                return False
            conn.execute(lease.insert().values(name=name, holder=holder, expires_at=until))
            return True
    except IntegrityError:
        return False


def release(engine: Engine, tables: Backbone, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            tables.lease.delete().where(
                tables.lease.c.name == name, tables.lease.c.holder == holder
            )
        )


def live_holders(engine: Engine, tables: Backbone, prefix: str) -> list[str]:
    """Holders of the unexpired leases named `prefix…`; expired ones older than a day go."""
    lease = tables.lease
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            lease.delete()
            .where(lease.c.name.startswith(prefix, autoescape=True))
            .where(lease.c.expires_at < now - timedelta(days=1))
        )
        rows = conn.execute(
            select(lease.c.holder)
            .where(lease.c.name.startswith(prefix, autoescape=True))
            .where(lease.c.expires_at >= now)
        )
        return sorted({row.holder for row in rows})


def renew(engine: Engine, tables: Backbone, names: list[str], holder: str, ttl: float) -> set[str]:
    """Extend every lease of `names` that `holder` still has, in one statement; those it has."""
    if not names:
        return set()
    lease = tables.lease
    until = datetime.now(UTC) + timedelta(seconds=ttl)
    with engine.begin() as conn:
        conn.execute(
            lease.update()
            .where(lease.c.holder == holder, lease.c.name.in_(names))
            .values(expires_at=until)
        )
        rows = conn.execute(
            select(lease.c.name).where(lease.c.holder == holder, lease.c.name.in_(names))
        )
        return {row.name for row in rows}


def release_all(engine: Engine, tables: Backbone, names: list[str], holder: str) -> None:
    """Hand back every lease of `names` that `holder` has."""
    if names:
        with engine.begin() as conn:
            conn.execute(
                tables.lease.delete().where(
                    tables.lease.c.holder == holder, tables.lease.c.name.in_(names)
                )
            )
