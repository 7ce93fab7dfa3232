"""Fixtures for backbone tests: a scratch database, a bus and a relay on the real nats-server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kelisim.bus.connection import Bus
from kelisim.bus.relay import OutboxRelay
from kelisim.bus.streams import ensure_streams
from kelisim.db import make_engine
from kelisim.settings import Settings
from tests.support.db import fresh_database
from tests.support.scratch import backbone, metadata


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, "scratch") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yield url


@pytest.fixture
def scratch_engine(scratch_url: str) -> Iterator[Engine]:
    engine = make_engine(scratch_url)
    yield engine
    engine.dispose()


@pytest.fixture
async def bus(clean_nats: str) -> AsyncIterator[Bus]:
    bus = Bus(clean_nats, "test")
    await bus.connect()
    assert bus.js is not None
    await ensure_streams(bus.js, Settings(env="test"))
    yield bus
    await bus.close()


@contextlib.asynccontextmanager
async def running_relay(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
def make_relay(scratch_engine: Engine, bus: Bus):  # type: ignore[no-untyped-def]
    def make(**kw) -> OutboxRelay:  # type: ignore[no-untyped-def]
        return OutboxRelay(
            scratch_engine, backbone, bus, service="scratch", poll_seconds=0.05, **kw
        )

    return make
