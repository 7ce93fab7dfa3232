"""Helpers to write events through the real outbox and read what reached a stream."""

from __future__ import annotations

import asyncio
import uuid

import nats
from sqlalchemy.engine import Engine

from kelisim.events import Envelope
from kelisim.events.cases import CaseRegistered
from kelisim.events.identity import UserUpserted
from kelisim.tables import Backbone
from kelisim.uow import UnitOfWork


def write_events(
    engine: Engine, tables: Backbone, count: int, *, aggregates: int = 10, commit: bool = True
) -> list[str]:
    """Write `count` events in one transaction each; returns their ids in commit order."""
    ids = []
    for i in range(count):
        with UnitOfWork(engine, tables, source="/kelisim/test") as uow:
            ref = f"agg-{i % aggregates}"
            env = uow.emit(
                CaseRegistered(
                    case_ref=ref, number=f"KZ-75-2026-{i:06d}", region="KZ-75", category="land"
                ),
                aggregate=ref,
            )
            if commit:
                uow.commit()
                ids.append(env.id)
    return ids


async def read_stream(
    url: str, stream: str, expected: int, timeout: float = 20, *, with_headers: bool = False
) -> list:
    """Read the whole stream with an ephemeral consumer until `expected` messages arrived.

    Returns envelopes, or (envelope, headers) pairs when `with_headers` is set.
    """
    nc = await nats.connect(url)
    got: list = []

    def keep(m) -> None:  # type: ignore[no-untyped-def]
        envelope = Envelope.model_validate_json(m.data)
        got.append((envelope, dict(m.headers or {})) if with_headers else envelope)

    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            ">", durable=None, stream=stream, inbox_prefix=f"_INBOX.{uuid.uuid4().hex}".encode()
        )
        deadline = asyncio.get_running_loop().time() + timeout
        while len(got) < expected and asyncio.get_running_loop().time() < deadline:
            try:
                msgs = await sub.fetch(200, timeout=0.5)
            except TimeoutError:
                continue
            for m in msgs:
                keep(m)
                await m.ack()
        # Anything beyond `expected` would be a duplicate: look once more.
        try:
            for m in await sub.fetch(200, timeout=0.5):
                keep(m)
        except TimeoutError:
            pass
    finally:
        await nc.close()
    return got


async def announce_staff(
    url: str, username: str, *, roles: list[str], regions: list[str], active: bool = True
) -> None:
    """Publish `identity.user.upserted` onto the IDENTITY stream, as the gateway's relay does."""
    data = UserUpserted(
        user_id=username,
        username=username,
        full_name=username.title(),
        email=None,
        lang="kk",
        roles=roles,
        regions=regions,
        councils=[],
        active=active,
    )
    envelope = Envelope.wrap(data, source="/kelisim/gateway", subject=f"user:{username}")
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(
            envelope.nats_subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id}
        )
    finally:
        await nc.close()
