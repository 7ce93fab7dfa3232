"""The checker's event checks: every outbox row on its stream exactly once, every event on a
stream applied once by every durable consumer of its subject, and what a consumer applying an
event twice would show beyond its inbox (counters, notifications)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import func, select

from kelisim.bus.streams import STREAMS
from kelisim.cli import backbone_of
from kelisim.migrations import OWNERS
from services.analytics.models import Counter as AnalyticsCounter
from services.notifications.models import Notification
from tests.faults.report import Row, rows_of
from tests.faults.system import System

# The streams the outboxes publish CloudEvents to (AUDIT holds signed checkpoints instead).
EVENT_STREAMS = {name: subjects for name, subjects in STREAMS.items() if name != "AUDIT"}


async def read_stream(js: Any, stream: str) -> list[tuple[str, str]]:
    """Every message of a stream as (subject, CloudEvent id), read by an ephemeral consumer."""
    total = (await js.stream_info(stream)).state.messages
    if not total:
        return []
    sub = await js.pull_subscribe(
        STREAMS[stream],
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
    )
    out: list[tuple[str, str]] = []
    try:
        while len(out) < total:
            try:
                batch = await sub.fetch(500, timeout=2)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            out.extend((m.subject, json.loads(m.data)["id"]) for m in batch)
    finally:
        await sub.unsubscribe()
    return out


def _matches(subject: str, pattern: str) -> bool:
    """NATS subject matching: `*` one token, `>` the rest."""
    parts, wanted = subject.split("."), pattern.split(".")
    for n, token in enumerate(wanted):
        if token == ">":
            return len(parts) > n
        if n >= len(parts) or (token != "*" and token != parts[n]):
            return False
    return len(parts) == len(wanted)


async def durable_consumers(js: Any) -> list[tuple[str, str, list[str], int, int]]:
    """(stream, durable, filters, pending, ack pending) of every durable consumer."""
    out = []
    for stream in EVENT_STREAMS:
        for info in await js.consumers_info(stream):
            config = info.config
            if not config.durable_name:
                continue
            filters = list(config.filter_subjects or []) or [config.filter_subject or ">"]
            out.append(
                (stream, config.durable_name, filters, info.num_pending, info.num_ack_pending)
            )
    return out


async def check_events(system: System) -> list[Row]:
    nc = await nats.connect(system.nats.url.split(",") if system.nats else "")
    try:
        js = nc.jetstream()
        streams = {s: await read_stream(js, s) for s in EVENT_STREAMS}
        consumers = await durable_consumers(js)
    finally:
        await nc.close()
    outbox: dict[str, tuple[str, bool]] = {}
    for owner in OWNERS:
        table = backbone_of(owner).outbox
        for event_id, subject, sent_at in rows_of(
            system.urls[owner], select(table.c.event_id, table.c.subject, table.c.sent_at)
        ):
            outbox[event_id] = (subject, sent_at is not None)
    rows = []
    for stream, messages in streams.items():
        counts = Counter(eid for _, eid in messages)
        produced = {e for e, (subject, _) in outbox.items() if _matches(subject, STREAMS[stream])}
        pending = sum(1 for e in produced if not outbox[e][1])
        rows.append(
            Row(
                f"stream {stream}: outbox rows published",
                len(produced),
                sum(1 for e in produced if counts[e] == 1),
                lost=sum(1 for e in produced if counts[e] == 0),
                duplicated=sum(1 for e in produced if counts[e] > 1),
                unexpected=sum(1 for e in counts if e not in produced),
                note=f"{len(messages)} messages; {pending} still pending in the outbox",
            )
        )
    for stream, durable, filters, _, _ in consumers:
        expected = {e for s, e in streams[stream] if any(_matches(s, f) for f in filters)}
        backbone = backbone_of(durable)
        name = f"{durable}<-{stream}"
        inbox, dead = backbone.inbox, backbone.dead_letter
        url = system.urls[durable]
        applied = [
            r.event_id
            for r in rows_of(url, select(inbox.c.event_id).where(inbox.c.consumer == name))
        ]
        dead_ids = {
            r.event_id for r in rows_of(url, select(dead.c.event_id).where(dead.c.consumer == name))
        }
        seen = Counter(applied)
        rows.append(
            Row(
                f"consumer {name}: events applied",
                len(expected),
                sum(1 for e in expected if seen[e] == 1),
                lost=len(expected - set(seen) - dead_ids),
                duplicated=sum(1 for n in seen.values() if n > 1),
                unexpected=len(set(seen) - expected) + len(dead_ids),
                note=f"{len(dead_ids)} dead-lettered",
            )
        )
    return rows + check_effects(system, streams["CASES"])


def check_effects(system: System, cases_stream: list[tuple[str, str]]) -> list[Row]:
    """What a consumer applied twice would show beyond its inbox: counters and notifications."""
    on_stream = Counter(subject for subject, _ in cases_stream)
    rows = []
    for measure, subject in (
        ("cases.registered", "cases.case.registered"),
        ("escalations.raised", "cases.case.escalated"),
    ):
        # Monthly periods (YYYY-MM) only: each event is counted once per month, week and year.
        query = select(func.coalesce(func.sum(AnalyticsCounter.value), 0)).where(
            AnalyticsCounter.measure == measure, func.length(AnalyticsCounter.period) == 7
        )
        counted = int(rows_of(system.urls["analytics"], query)[0][0])
        events = on_stream[subject]
        rows.append(
            Row(
                f"analytics counter {measure} = {subject} events",
                events,
                min(counted, events),
                lost=max(events - counted, 0),
                duplicated=max(counted - events, 0),
            )
        )
    key = (
        Notification.source_event_id, Notification.rule_id, Notification.audience_role,
        Notification.audience_user, Notification.region, Notification.council_id,
    )  # fmt: skip
    groups = rows_of(system.urls["notifications"], select(*key, func.count()).group_by(*key))
    rows.append(
        Row(
            "in-app notifications: one per event and audience",
            len(groups),
            sum(1 for g in groups if g[-1] == 1),
            duplicated=sum(1 for g in groups if g[-1] > 1),
        )
    )
    return rows
