"""Rebuild the statistical database from the streams: wipe what events made, read them again.

Facts, counters, the library of practice and the consumers' inbox rows are derived from the
streams and are rebuilt (the library's reviews and marks from the service's own ANALYTICS
stream); imported history, alerts and proposals are the analysts' own records and stay.
Each stream is read from its first message to the last one present when the rebuild began,
in order (cases before notifications, so an acceptance finds its escalation), through the
same handlers and inbox as the live consumers: the numbers come out the same, and the live
consumer, which continues afterwards, skips what the rebuild applied. Then every cube is
protected again, as the live worker did, to the same figures. Stop the analytics service
while it runs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import nats
from nats.js.api import DeliverPolicy
from sqlalchemy import delete

from kelisim.bus.connection import Bus
from kelisim.bus.consumer import Consumer
from kelisim.clock import now
from kelisim.db import make_engine
from kelisim.events import Envelope
from kelisim.settings import Settings
from services.analytics.consumers import consumer_specs
from services.analytics.cube_schedule import protect_all
from services.analytics.models import (
    CaseFact,
    Counter,
    CubeState,
    EscalationFact,
    PracticeNote,
    PracticeNoteMark,
    PracticeNoteTerm,
    ProtectedFigure,
    RecommendationFact,
    backbone,
)

if TYPE_CHECKING:
    from kelisim.progress import Progress

DERIVED = (
    Counter,
    CaseFact,
    EscalationFact,
    RecommendationFact,
    CubeState,
    ProtectedFigure,
    PracticeNote,
    PracticeNoteTerm,
    PracticeNoteMark,
)


@dataclass(frozen=True)
class Rebuilt:
    events: dict[str, int]


def wipe(engine, consumers: list[Consumer]) -> None:  # type: ignore[no-untyped-def]
    """Delete what the consumed events made, and the inbox rows that say they were applied."""
    with engine.begin() as conn:
        for model in DERIVED:
            conn.execute(delete(model))
        inbox = backbone.inbox
        for consumer in consumers:
            conn.execute(inbox.delete().where(inbox.c.consumer == consumer.name))


async def rebuild(
    settings: Settings, database_url: str | None = None, progress: Progress | None = None
) -> Rebuilt:
    """Rebuild the analytics database (the service's own, or `database_url`) from the streams.

    `progress` counts every message read, out of all the streams' messages at the start.
    """
    engine = make_engine(database_url or settings.database_url("analytics"))
    bus = Bus(settings.nats_url, "kelisim-analytics-rebuild")
    consumers = [
        Consumer(engine, backbone, bus, service="analytics", spec=spec)
        for spec in consumer_specs(settings)
    ]
    counts: dict[str, int] = {}
    nc = await nats.connect(settings.nats_url, name="kelisim-analytics-rebuild")
    try:
        js = nc.jetstream()
        await asyncio.to_thread(wipe, engine, consumers)
        if progress is not None:
            progress.total = sum([await _size(js, c.spec.stream) for c in consumers])
        for consumer in consumers:
            counts[consumer.spec.stream] = await _replay(js, consumer, progress)
        threshold = settings.analytics_suppress_below
        await asyncio.to_thread(protect_all, engine, threshold=threshold, at=now())
    finally:
        await nc.close()
        engine.dispose()
    return Rebuilt(counts)


async def _size(js, stream: str) -> int:  # type: ignore[no-untyped-def]
    """How many messages a stream holds (0 when it does not exist yet)."""
    try:
        return int((await js.stream_info(stream)).state.messages)
    except nats.js.errors.NotFoundError:
        return 0


async def _replay(js, consumer: Consumer, progress: Progress | None = None) -> int:  # type: ignore[no-untyped-def]
    """Apply every message of the consumer's stream up to its last sequence now; the count."""
    stream = consumer.spec.stream
    try:
        info = await js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        return 0
    last = info.state.last_seq
    if info.state.messages == 0:
        return 0
    sub = await js.subscribe(
        f"{stream.lower()}.>",
        stream=stream,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL,
    )
    applied = 0
    try:
        while True:
            msg = await sub.next_msg(timeout=10)
            envelope = Envelope.model_validate_json(msg.data)
            handled = envelope.nats_subject in consumer.spec.handlers
            if handled and await asyncio.to_thread(
                consumer.apply_envelope, envelope, dict(msg.headers or {})
            ):
                applied += 1
            if progress is not None:
                progress.advance(note=stream)
            if msg.metadata.sequence.stream >= last:
                break
    finally:
        await sub.unsubscribe()
    return applied
