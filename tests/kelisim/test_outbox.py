"""The transactional outbox and its relay: published iff committed, in order, through outages."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, func, insert, select

from kelisim.bus.relay import OutboxRelay
from kelisim.bus.wake import Wakes
from kelisim.db import make_engine
from kelisim.service import hand_on_commits
from kelisim.tables import backbone_tables
from tests.kelisim.conftest import running_relay
from tests.support.events import read_stream, write_events
from tests.support.scratch import backbone


async def test_an_event_is_published_only_if_its_transaction_commits(
    scratch_engine, make_relay, bus
):
    committed = write_events(scratch_engine, backbone, 5)
    write_events(scratch_engine, backbone, 5, commit=False)
    with scratch_engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(backbone.outbox)).scalar_one()
    assert rows == 5

    async with running_relay(make_relay()):
        got = await read_stream(bus.url, "CASES", expected=5)
    assert sorted(e.id for e in got) == sorted(committed)


async def test_each_aggregate_keeps_its_order(scratch_engine, make_relay, bus):
    ids = write_events(scratch_engine, backbone, 200, aggregates=7)
    async with running_relay(make_relay(batch_size=50)):
        got = await read_stream(bus.url, "CASES", expected=200)
    assert len(got) == 200
    written: dict[str, list[str]] = defaultdict(list)
    published: dict[str, list[str]] = defaultdict(list)
    by_id = {e.id: e for e in got}
    for event_id in ids:
        written[by_id[event_id].data["case_ref"]].append(event_id)
    for env in got:
        published[env.data["case_ref"]].append(env.id)
    assert published == written


async def test_sent_rows_are_marked_only_after_the_ack(scratch_engine, make_relay, bus):
    write_events(scratch_engine, backbone, 3)
    relay = make_relay()
    acked: list[str] = []
    relay.on_ack = lambda event_id, _latency: acked.append(event_id)
    moved, _ = await relay.relay_once()
    assert moved == 3 and len(acked) == 3
    with scratch_engine.connect() as conn:
        pending = conn.execute(
            select(func.count())
            .select_from(backbone.outbox)
            .where(backbone.outbox.c.sent_at.is_(None))
        ).scalar_one()
    assert pending == 0


async def test_events_written_while_nats_is_down_all_arrive_after_it_returns(
    scratch_engine, make_relay, bus, nats_server
):
    before = write_events(scratch_engine, backbone, 20)
    async with running_relay(make_relay()):
        assert len(await read_stream(bus.url, "CASES", expected=20)) == 20
        nats_server.stop()
        during = write_events(scratch_engine, backbone, 30)
        with scratch_engine.connect() as conn:
            pending = conn.execute(
                select(func.count())
                .select_from(backbone.outbox)
                .where(backbone.outbox.c.sent_at.is_(None))
            ).scalar_one()
        assert pending == 30  # nothing could be published, nothing was marked sent
        nats_server.start()
        after = write_events(scratch_engine, backbone, 10)
        got = await read_stream(bus.url, "CASES", expected=60, timeout=40)
    assert sorted(e.id for e in got) == sorted(before + during + after)


async def test_two_relay_replicas_publish_each_event_once_in_order(scratch_engine, make_relay, bus):
    ids = write_events(scratch_engine, backbone, 150, aggregates=5)
    async with running_relay(make_relay(batch_size=20)), running_relay(make_relay(batch_size=20)):
        got = await read_stream(bus.url, "CASES", expected=150)
    assert len(got) == 150
    assert sorted(e.id for e in got) == sorted(ids)
    position = {event_id: i for i, event_id in enumerate(ids)}
    by_aggregate: dict[str, list[int]] = defaultdict(list)
    for env in got:
        by_aggregate[env.data["case_ref"]].append(position[env.id])
    assert all(p == sorted(p) for p in by_aggregate.values())


def test_the_relay_reads_its_outbox_while_a_writer_holds_the_write_lock(tmp_path: Path) -> None:
    """SQLite: the relay's read of pending rows takes neither the gate nor the write lock."""
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    tables = backbone_tables(MetaData())
    tables.metadata.create_all(engine)
    row = {
        "event_id": "e1",
        "subject": "cases.case.registered",
        "aggregate": "case:1",
        "envelope": "{}",
        "headers": "{}",
        "created_at": datetime.now(UTC),
    }
    with engine.begin() as conn:
        conn.execute(insert(tables.outbox).values(**row))
    relay = OutboxRelay(engine, tables, bus=None, service="test")  # type: ignore[arg-type]
    read: list[list[str]] = []
    with engine.begin() as writer:  # holds this process's gate and SQLite's write lock
        writer.execute(insert(tables.outbox).values(**row | {"event_id": "e2"}))
        reading = threading.Thread(
            target=lambda: read.append([r.event_id for r in relay._pending()])
        )
        reading.start()
        reading.join(timeout=5)
        finished = not reading.is_alive()
    reading.join()
    engine.dispose()
    assert finished, "the relay's read waited for the writer"
    assert read == [["e1"]]  # what was committed when it read


async def test_a_woken_round_reads_the_outbox_once_and_then_waits(scratch_engine, bus):
    """After a round that moved events, the relay waits for the next wake instead of reading
    the outbox again to find it empty (one read transaction per commit, not two)."""
    relay = OutboxRelay(scratch_engine, backbone, bus, service="scratch", poll_seconds=60)
    reads: list[int] = []
    pending = relay._pending

    def counted() -> list:
        rows = pending()
        reads.append(len(rows))
        return rows

    relay._pending = counted  # type: ignore[method-assign]
    async with running_relay(relay):
        for round_, (count, offset) in enumerate(((3, 0), (2, 3))):
            while len(reads) < round_ + 1:
                await asyncio.sleep(0.01)
            write_events(scratch_engine, backbone, count)
            relay.wake()
            await read_stream(bus.url, "CASES", expected=offset + count)
            await asyncio.sleep(0.3)
    assert reads == [0, 3, 2]


async def test_a_running_relay_marks_many_commits_events_sent_in_one_transaction(
    scratch_engine, bus
):
    """Each commit's events are published at once, but marked sent together (within
    MARK_DELAY_SECONDS), each at its own ack time: not one write transaction per commit."""
    relay = OutboxRelay(scratch_engine, backbone, bus, service="scratch", poll_seconds=60)
    marks: list[int] = []
    mark = relay._mark_sent

    def counted(acked: dict) -> None:
        marks.append(len(acked))
        mark(acked)

    relay._mark_sent = counted  # type: ignore[method-assign]
    acks: dict[str, datetime] = {}
    relay.on_ack = lambda event_id, _latency: acks.setdefault(event_id, datetime.now(UTC))
    async with running_relay(relay):
        ids = []
        for _ in range(8):  # eight commits, each woken at once, as a unit of work does
            ids += write_events(scratch_engine, backbone, 1)
            relay.wake()
            await asyncio.sleep(0.005)
        got = await read_stream(bus.url, "CASES", expected=8)
        assert sorted(e.id for e in got) == sorted(ids)  # published without waiting
        for _ in range(200):
            if sum(marks) == 8:
                break
            await asyncio.sleep(0.01)
    outbox = backbone.outbox
    with scratch_engine.connect() as conn:
        sent = dict(conn.execute(select(outbox.c.event_id, outbox.c.sent_at)).all())
    assert sum(marks) == 8 and len(marks) <= 4  # eight commits, one or two marks (four: slow)
    for event_id in ids:  # each marked at the time of its own ack, not of the mark
        at = sent[event_id].replace(tzinfo=UTC)
        assert abs((at - acks[event_id]).total_seconds()) < 0.05


async def test_a_replica_without_the_lease_hands_its_commits_to_the_holder(scratch_engine, bus):
    """Two replicas: the one whose relay does not hold the lease wakes the holder's relay, so
    its commits are published now and not at the holder's next poll (a minute here)."""
    relays, wakes = [], []
    for _ in range(2):
        relay = OutboxRelay(scratch_engine, backbone, bus, service="scratch", poll_seconds=60)
        replica_wakes = Wakes("scratch", bus)
        hand_on_commits(relay, replica_wakes)
        await replica_wakes.start()
        relays.append(relay)
        wakes.append(replica_wakes)
    holder, other = relays
    async with running_relay(holder):
        while not holder._lease_until:
            await asyncio.sleep(0.01)
        async with running_relay(other):
            await asyncio.sleep(0.2)  # its first round: the lease is taken
            assert not other._lease_until
            write_events(scratch_engine, backbone, 3)
            other.wake()  # what this replica's commit does
            # Within 10 s, where the holder's poll would take a minute.
            got = await read_stream(bus.url, "CASES", expected=3, timeout=10)
    assert len(got) == 3


def _leases(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [row.name for row in conn.execute(select(backbone.lease))]


async def test_a_relay_stopped_while_it_takes_its_lease_hands_the_lease_back(
    scratch_engine, make_relay, monkeypatch
):
    """A relay cancelled while its lease was being taken in its thread: the thread ran on and
    took the lease, the relay never learnt it held it, and the lease stayed behind, holding
    the next start's relay back for its 15 s. Its stop now waits for the take, then hands the
    lease back; so does a stop cancelled again while it marks."""
    from kelisim.bus import lease

    take = lease.try_acquire
    entered, go = threading.Event(), threading.Event()

    def slow_take(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        go.wait(10)  # the database answers only after the relay was told to stop
        return take(*args, **kwargs)

    monkeypatch.setattr(lease, "try_acquire", slow_take)
    task = asyncio.create_task(make_relay().run())
    assert await asyncio.to_thread(entered.wait, 10)
    task.cancel()
    await asyncio.sleep(0.05)
    go.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert _leases(scratch_engine) == []  # handed back before the relay's task ended
    # A running relay (it holds the lease), cancelled, then cancelled again while it stops.
    monkeypatch.setattr(lease, "try_acquire", take)
    relay = make_relay()
    task = asyncio.create_task(relay.run())
    while not relay._lease_until:
        await asyncio.sleep(0.01)
    assert _leases(scratch_engine) == ["relay:scratch"]
    task.cancel()
    await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # Cancelled again as it stopped, the relay's task still ends only once the lease is back.
    assert _leases(scratch_engine) == []
