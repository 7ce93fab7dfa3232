"""The idempotent consumer: applied once, retried when transient, dead-lettered when poison."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import nats
import pytest
from sqlalchemy import event, func, select

from kelisim.bus import PermanentError
from kelisim.bus.consumer import APPLY_BATCH, Consumer, ConsumerSpec
from kelisim.bus.headers import MSG_ID
from kelisim.events import Envelope
from kelisim.events.cases import CaseRegistered
from tests.kelisim.conftest import running_relay
from tests.support.events import write_events
from tests.support.scratch import applied, backbone, counts

ROOT = Path(__file__).resolve().parents[2]


def recorder(fail_on: dict[str, int] | None = None, poison: set[str] | None = None):  # type: ignore[no-untyped-def]
    """A handler that records each event; may fail N times or forever for chosen aggregates."""
    failures = dict(fail_on or {})

    def handle(envelope, data, uow) -> None:  # type: ignore[no-untyped-def]
        if poison and data.case_ref in poison:
            raise PermanentError("this event can never be applied")
        if failures.get(data.case_ref, 0) > 0:
            failures[data.case_ref] -= 1
            raise RuntimeError("transient failure")
        uow.conn.execute(applied.insert().values(event_id=envelope.id, aggregate=data.case_ref))

    return handle


def make_consumer(engine, bus, handler, **kw) -> Consumer:  # type: ignore[no-untyped-def]
    return Consumer(
        engine,
        backbone,
        bus,
        service="scratch",
        spec=ConsumerSpec("CASES", {"cases.case.registered": handler}),
        nak_base=0.05,
        ack_wait=5.0,
        **kw,
    )


@contextlib.asynccontextmanager
async def consuming(consumer: Consumer):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_for(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


async def publish_raw(
    url: str, envelope: Envelope, times: int = 1, msg_id: str | None = None
) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    for i in range(times):
        headers = {MSG_ID: msg_id or f"{envelope.id}-{i}"}
        await js.publish(envelope.nats_subject, envelope.to_bytes(), headers=headers)
    await nc.close()


async def test_the_same_event_delivered_twice_is_applied_once(scratch_engine, bus):
    envelope = Envelope.wrap(
        CaseRegistered(case_ref="a", number="KZ-75-2026-000001", region="KZ-75", category="land"),
        source="/test",
    )
    # Two stream messages carrying one event (different Nats-Msg-Id, so JetStream keeps both).
    await publish_raw(bus.url, envelope, times=2)
    consumer = make_consumer(scratch_engine, bus, recorder())
    outcomes: list[str] = []
    original = consumer._count  # both arrive together: one batch, or one by one

    def spy(outcome: str) -> str:
        outcomes.append(outcome)
        return original(outcome)

    consumer._count = spy  # type: ignore[method-assign]
    async with consuming(consumer):
        await wait_for(lambda: len(outcomes) == 2)
    assert outcomes == ["applied", "duplicate"]
    assert counts(scratch_engine) == (1, 1)


def commits_of(engine) -> list[int]:  # type: ignore[no-untyped-def]
    """A list that grows by one at each commit on `engine` from now on."""
    seen: list[int] = []
    event.listen(engine, "commit", lambda _conn: seen.append(1))
    return seen


async def published(scratch_engine, make_relay, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` events of one aggregate written and on the stream before any consumer runs."""
    ids = write_events(scratch_engine, backbone, count, aggregates=1)
    outbox = backbone.outbox

    def unsent() -> int:
        with scratch_engine.connect() as conn:
            query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            return conn.execute(query).scalar_one()

    async with running_relay(make_relay()):
        await wait_for(lambda: unsent() == 0)
    return ids


async def test_events_waiting_on_the_stream_are_applied_in_batches_once_each_in_order(
    scratch_engine, make_relay, bus
):
    ids = await published(scratch_engine, make_relay, 60)
    consumer = make_consumer(scratch_engine, bus, recorder())
    commits = commits_of(scratch_engine)
    sizes: list[int] = []
    apply_batch = consumer._apply_batch

    def measured(ready):  # type: ignore[no-untyped-def]
        sizes.append(len(ready))
        return apply_batch(ready)

    consumer._apply_batch = measured  # type: ignore[method-assign]
    async with consuming(consumer):
        await wait_for(lambda: counts(scratch_engine)[0] == 60)
    assert sizes and max(sizes) <= APPLY_BATCH, sizes
    with scratch_engine.connect() as conn:
        order = [r.event_id for r in conn.execute(select(applied).order_by(applied.c.id))]
    assert order == ids
    assert counts(scratch_engine) == (60, 60)
    # One transaction per batch of what had arrived, not one per event (60 / 20 = 3 at best;
    # how the server splits the deliveries decides the rest).
    assert len(commits) < 30, len(commits)


async def trickle(url: str, count: int, gap: float) -> list[str]:
    """`count` events published one at a time, `gap` s apart, as a steady stream brings them."""
    ids = []
    for n in range(count):
        data = CaseRegistered(
            case_ref=f"t-{n}", number=f"KZ-75-2026-{n:06d}", region="KZ-75", category="land"
        )
        envelope = Envelope.wrap(data, source="/test")
        await publish_raw(url, envelope)
        ids.append(envelope.id)
        await asyncio.sleep(gap)
    return ids


@pytest.mark.parametrize(("gather", "transactions"), [(0.0, range(4, 9)), (2.0, range(1, 3))])
async def test_a_gathering_consumer_applies_a_trickle_of_events_in_few_transactions(
    scratch_engine, bus, gather, transactions
):
    """Events arriving 0.1 s apart: with `gather` they share a transaction, without it each
    has its own (a loaded machine may let two meet). Every event is applied once, in order,
    either way."""
    spec = ConsumerSpec("CASES", {"cases.case.registered": recorder()}, gather=gather)
    consumer = Consumer(scratch_engine, backbone, bus, service="scratch", spec=spec)
    async with consuming(consumer):
        await wait_for(lambda: consumer.ready)
        commits = commits_of(scratch_engine)
        ids = await trickle(bus.url, 8, 0.1)
        await wait_for(lambda: counts(scratch_engine)[0] == 8)
        await asyncio.sleep(0.2)  # a repeated event would land by now
    with scratch_engine.connect() as conn:
        order = [r.event_id for r in conn.execute(select(applied).order_by(applied.c.id))]
    assert order == ids
    assert counts(scratch_engine) == (8, 8)
    assert len(commits) in transactions, len(commits)


async def test_a_failure_in_a_batch_retries_only_its_own_event_and_applies_the_others(
    scratch_engine, make_relay, bus
):
    ids = await published(scratch_engine, make_relay, 30)
    record = recorder()

    def seventh_is_poison(envelope, data, uow) -> None:  # type: ignore[no-untyped-def]
        if envelope.id == ids[6]:
            raise PermanentError("this one event can never be applied")
        record(envelope, data, uow)

    consumer = make_consumer(scratch_engine, bus, seventh_is_poison)
    dead = backbone.dead_letter
    async with consuming(consumer):
        await wait_for(lambda: counts(scratch_engine)[0] == 29)
        await asyncio.sleep(0.5)  # a wrongly repeated event would land by now
    with scratch_engine.connect() as conn:
        order = [r.event_id for r in conn.execute(select(applied).order_by(applied.c.id))]
        dead_ids = [r.event_id for r in conn.execute(select(dead))]
    assert order == ids[:6] + ids[7:]
    assert dead_ids == [ids[6]]


async def test_a_transient_failure_is_retried_until_it_succeeds(scratch_engine, make_relay, bus):
    write_events(scratch_engine, backbone, 10, aggregates=10)
    consumer = make_consumer(scratch_engine, bus, recorder(fail_on={"agg-3": 2}))
    async with running_relay(make_relay()), consuming(consumer):
        await wait_for(lambda: counts(scratch_engine)[0] == 10)
    assert counts(scratch_engine) == (10, 10)


async def test_a_poison_message_is_dead_lettered_and_does_not_block_the_stream(
    scratch_engine, make_relay, bus
):
    write_events(scratch_engine, backbone, 10, aggregates=10)
    await publish_raw(
        bus.url, Envelope(source="/x", type="kz.kelisim.cases.case.registered.v1", data={"bad": 1})
    )
    consumer = make_consumer(scratch_engine, bus, recorder(poison={"agg-5"}))
    dead = backbone.dead_letter

    def dead_count() -> int:
        with scratch_engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(dead)).scalar_one()

    async with running_relay(make_relay()), consuming(consumer):
        await wait_for(lambda: counts(scratch_engine)[0] == 9 and dead_count() == 2)
    with scratch_engine.connect() as conn:
        errors = sorted(r.error.split(":")[0] for r in conn.execute(select(dead)))
    assert errors == ["permanent", "unreadable event"]
    assert counts(scratch_engine) == (9, 9)


async def test_a_handler_that_always_fails_gives_up_after_max_deliver(
    scratch_engine, make_relay, bus
):
    write_events(scratch_engine, backbone, 3, aggregates=3)
    consumer = make_consumer(scratch_engine, bus, recorder(fail_on={"agg-1": 100}), max_deliver=3)
    dead = backbone.dead_letter

    def dead_rows() -> list:
        with scratch_engine.connect() as conn:
            return list(conn.execute(select(dead)))

    async with running_relay(make_relay()), consuming(consumer):
        await wait_for(lambda: counts(scratch_engine)[0] == 2 and len(dead_rows()) == 1)
    (row,) = dead_rows()
    assert row.deliveries == 3 and row.error.startswith("gave up")


async def test_a_consumer_killed_mid_batch_applies_every_event_exactly_once(
    scratch_url, scratch_engine, make_relay, bus
):
    ids = write_events(scratch_engine, backbone, 300, aggregates=30)
    async with running_relay(make_relay()):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "tests.support.consumer_proc", scratch_url, bus.url]
        first = subprocess.Popen(cmd, cwd=ROOT, env=env)
        try:
            await wait_for(lambda: counts(scratch_engine)[0] >= 60, timeout=60)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            killed_at = counts(scratch_engine)[0]
            assert killed_at < 300
            second = subprocess.Popen(cmd, cwd=ROOT, env=env)
            try:
                await wait_for(lambda: counts(scratch_engine)[0] >= 300, timeout=90)
                await asyncio.sleep(3)  # ack_wait is 2 s: any redelivery would land by now
            finally:
                second.send_signal(signal.SIGKILL)
                second.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
    assert counts(scratch_engine) == (300, 300)
    with scratch_engine.connect() as conn:
        seen = {r.event_id for r in conn.execute(select(applied.c.event_id))}
    assert seen == set(ids)


async def test_the_consumer_keeps_consuming_after_the_server_restarts(
    scratch_engine, make_relay, bus, nats_server
):
    write_events(scratch_engine, backbone, 20, aggregates=5)
    consumer = make_consumer(scratch_engine, bus, recorder())
    async with running_relay(make_relay()), consuming(consumer):
        await wait_for(lambda: counts(scratch_engine)[0] == 20)
        nats_server.restart()
        write_events(scratch_engine, backbone, 20, aggregates=5)
        await wait_for(lambda: counts(scratch_engine)[0] == 40, timeout=60)
    assert counts(scratch_engine) == (40, 40)
