"""Leases in the service database: one holder at a time for work replicas must not share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_
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
