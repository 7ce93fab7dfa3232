"""A system seeded once, stopped, and started again from copies of its state.

Seeding the demo world costs a web system most of its start (about 30 s of CPU); a copy of
a seeded system's state (its databases, keys and mail folder, and its nats-server's JetStream
store) starts in a few seconds. `seeded_snapshot(folder, seed)` starts a system on a
nats-server of its own, runs `seed(stack)`, waits until the system has settled (every outbox
sent, every consumer caught up), stops it and keeps its state; `system_from(snapshot, tmp)`
starts a system on a copy of that state, on a nats-server of its own. Copies share nothing:
what one copy's tests change, no other copy sees.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import nats
from sqlalchemy import create_engine, text

from kelisim.auth import generate_keypair
from kelisim.bus.streams import STREAMS
from kelisim.migrations import OWNERS
from tests.support.db import copied_database, fresh_database
from tests.support.gateway import Stack, system_stack
from tests.support.nats import NatsServer


@dataclass(frozen=True)
class Snapshot:
    """A stopped system's state: data folder, JetStream store, and each owner's database."""

    folder: Path
    store: Path
    databases: dict[str, str]


@asynccontextmanager
async def seeded_snapshot(
    folder: Path, seed: Callable[[Stack], Awaitable[None]]
) -> AsyncIterator[Snapshot]:
    """Seed a system with `seed`, let it settle and stop it; its state lives until the exit."""
    system = folder / "system"
    with ExitStack() as made:
        generate_keypair(system / "keys")
        databases = {owner: made.enter_context(fresh_database(system, owner)) for owner in OWNERS}
        server = NatsServer(folder / "nats")
        server.start()
        try:
            async with system_stack(system, server.url, databases) as stack:
                await seed(stack)
                await settled(databases, server.url)
        finally:
            server.stop()
        for url in databases.values():
            _release_leases(url)
        yield Snapshot(system, server.store / "js", databases)


@asynccontextmanager
async def system_from(snapshot: Snapshot, tmp: Path) -> AsyncIterator[Stack]:
    """A system started on a copy of `snapshot`, on a nats-server of its own."""
    system = tmp / "system"
    shutil.copytree(snapshot.folder, system, ignore=shutil.ignore_patterns("*.db", "*.db-*"))
    server = NatsServer(tmp / "nats")
    shutil.copytree(snapshot.store, server.store / "js")
    server.start()
    try:
        with ExitStack() as made:
            databases = {
                owner: made.enter_context(copied_database(system, owner, url))
                for owner, url in snapshot.databases.items()
            }
            async with system_stack(system, server.url, databases) as stack:
                # The workers' first rounds see the whole world at once (a deadline passed,
                # a recommendation overdue): what they raise is delivered before any test.
                await settled(databases, server.url)
                yield stack
    finally:
        server.stop()


async def settled(databases: dict[str, str], nats_url: str, timeout: float = 300) -> None:
    """Wait until nothing is in flight: every outbox row sent, every consumer caught up, every
    analytics cube whose counters changed protected again (pages show protected cubes only).

    Twice in a row, half a second apart, with no new message in any stream between: a
    consumer that applied an event may have written events of its own meanwhile.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    last: dict[str, int] | None = None
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        while True:
            heads = await _quiet_streams(js)
            busy = heads is None or any(_in_flight(o, url) for o, url in databases.items())
            if not busy:
                if heads == last:
                    return
            else:
                heads = None
            last = heads
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the system did not settle")
            await asyncio.sleep(0.5)
    finally:
        await nc.close()


async def _quiet_streams(js: nats.js.JetStreamContext) -> dict[str, int] | None:
    """Each stream's last sequence, or None while a consumer has messages pending or unacked."""
    heads = {}
    for name in STREAMS:
        try:
            info = await js.stream_info(name)
        except nats.js.errors.NotFoundError:
            continue
        heads[name] = info.state.last_seq
        for consumer in await js.consumers_info(name):
            if consumer.num_pending or consumer.num_ack_pending:
                return None
    return heads


# What a database has in flight: events not yet published, cubes not yet protected again.
UNSENT = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
UNBUILT = "SELECT count(*) FROM cube_state WHERE built_version < version"


def _in_flight(owner: str, url: str) -> int:
    engine = create_engine(url)
    queries = [UNSENT, UNBUILT] if owner == "analytics" else [UNSENT]
    try:
        with engine.connect() as conn:
            return sum(int(conn.execute(text(query)).one()[0]) for query in queries)
    finally:
        engine.dispose()


def _release_leases(url: str) -> None:
    """Give up the stopped system's leases: its holders are gone, as after their expiry.

    A copy would otherwise wait out a lease its stopped original renewed as it stopped (the
    outbox relay's is 15 s: the gateway's identity events held back that long).
    """
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM lease"))
    finally:
        engine.dispose()
