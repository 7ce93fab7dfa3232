"""Helpers of the gateway's tests: its database, its audit log and the accounts it announces."""

from __future__ import annotations

import asyncio
import json

import nats
from sqlalchemy import func, select

from gateway.models import backbone
from tests.support.gateway import Stack


def engine_of(stack: Stack):  # type: ignore[no-untyped-def]
    """The gateway's own database engine (accounts, sessions, the audit log)."""
    return stack.client.app.state.ctx.engine  # type: ignore[attr-defined]


def audit_count(stack: Stack) -> int:
    """How many entries the gateway's audit log holds."""
    with engine_of(stack).connect() as conn:
        return conn.execute(select(func.count()).select_from(backbone.audit_log)).scalar_one()


async def last_upsert(stack: Stack, user_id: str, **expected: object) -> dict:
    """The newest identity.user.upserted event about `user_id` matching `expected`, polled."""
    nc = await nats.connect(stack.settings.nats_url)
    try:
        js = nc.jetstream()
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            try:
                msg = await js.get_last_msg("IDENTITY", "identity.user.upserted")
                data = json.loads(msg.data)["data"]
                if data["user_id"] == user_id and all(data[k] == v for k, v in expected.items()):
                    return data
            except nats.js.errors.NotFoundError:
                pass
            assert asyncio.get_running_loop().time() < deadline, "event never arrived"
            await asyncio.sleep(0.05)
    finally:
        await nc.close()
