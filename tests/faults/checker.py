"""The checker: counts, like Jepsen's, what the system did with what the clients were told.

- every acknowledged write is in its service's database exactly once, every refused one is
  absent, and nothing is there that no client asked for;
- every outbox row is on its stream exactly once, and every event on a stream is applied
  by every consumer of its subject (an inbox row, in the consumer's own transaction);
- every escalation in the cases database reached every endpoint under exactly one webhook-id.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import func, select

from kelisim.bus.streams import STREAMS
from kelisim.cli import backbone_of
from kelisim.db import make_engine
from kelisim.migrations import OWNERS
from services.analytics.models import Counter as AnalyticsCounter
from services.cases.models import Case, Escalation
from services.councils.models import Vote
from services.notifications.models import Delivery, Notification
from tests.faults.load import Op
from tests.faults.receiver import Received
from tests.faults.system import System

MARKER = re.compile(r"faultop-\d{6}")
# The streams the outboxes publish CloudEvents to (AUDIT holds signed checkpoints instead).
EVENT_STREAMS = {name: subjects for name, subjects in STREAMS.items() if name != "AUDIT"}


@dataclass
class Row:
    """One line of the table: how many, how many as they should be, and what went wrong."""

    check: str
    total: int
    good: int
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)

    @property
    def anomalies(self) -> list[Row]:
        return [r for r in self.rows if r.lost or r.duplicated or r.unexpected]

    def table(self) -> str:
        head = ("check", "total", "good", "lost", "dup", "unexpected", "note")
        lines = [head] + [
            (r.check, str(r.total), str(r.good), str(r.lost), str(r.duplicated),
             str(r.unexpected), r.note)
            for r in self.rows
        ]  # fmt: skip
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = []
        for n, line in enumerate(lines):
            cells = [
                c.ljust(w) if i in (0, 6) else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ]
            out.append("  ".join(cells).rstrip())
            if n == 0:
                out.append("  ".join("-" * w for w in widths))
        return "\n".join(out)


def _rows(url: str, query: Any) -> list[Any]:
    engine = make_engine(url, null_pool=True)
    try:
        with engine.connect() as conn:
            return list(conn.execute(query))
    finally:
        engine.dispose()


# -- API writes -----------------------------------------------------------------------------


def _writes(kind: str, ops: list[Op], found: Counter[str], ids: dict[str, str]) -> list[Row]:
    """Rows for one kind of write: found[key] = how many rows carry the op's key."""
    mine = [o for o in ops if o.kind == kind]
    key = (lambda o: f"{o.item_id}/{o.username}") if kind == "vote" else (lambda o: o.marker)
    acked = [o for o in mine if o.outcome == "ok"]
    refused = [o for o in mine if o.outcome == "failed"]
    unknown = [o for o in mine if o.outcome == "unknown"]
    good_acked = [
        o for o in acked
        if found[key(o)] == 1 and (o.result_id is None or ids.get(key(o)) == o.result_id)
    ]  # fmt: skip
    issued = {key(o) for o in mine}
    landed = sum(1 for o in unknown if found[key(o)] == 1)
    stray = sum(n for k, n in found.items() if k not in issued)
    return [
        Row(
            f"{kind}: acknowledged",
            len(acked),
            len(good_acked),
            lost=sum(1 for o in acked if found[key(o)] == 0),
            duplicated=sum(1 for o in acked if found[key(o)] > 1),
            unexpected=sum(1 for o in acked if found[key(o)] == 1) - len(good_acked),
        ),
        Row(
            f"{kind}: refused",
            len(refused),
            sum(1 for o in refused if found[key(o)] == 0),
            unexpected=sum(1 for o in refused if found[key(o)] > 0),
        ),
        Row(
            f"{kind}: unknown (timeout, 5xx)",
            len(unknown),
            sum(1 for o in unknown if found[key(o)] <= 1),
            duplicated=sum(1 for o in unknown if found[key(o)] > 1),
            note=f"{landed} took effect",
        ),
        Row(f"{kind}: in the database, asked by nobody", stray, 0, unexpected=stray),
    ]


def check_writes(system: System, ops: list[Op]) -> list[Row]:
    cases = _rows(system.urls["cases"], select(Case.id, Case.description))
    escalations = _rows(system.urls["cases"], select(Escalation.id, Escalation.reason))
    votes = _rows(system.urls["councils"], select(Vote.item_id, Vote.username, Vote.choice))
    choices = {f"{o.item_id}/{o.username}": o.choice for o in ops if o.kind == "vote"}

    def markers(rows: list[Any]) -> tuple[Counter[str], dict[str, str]]:
        found: Counter[str] = Counter()
        ids: dict[str, str] = {}
        for row_id, text in rows:
            match = MARKER.search(text or "")
            if match:
                found[match.group()] += 1
                ids[match.group()] = row_id
        return found, ids

    vote_found: Counter[str] = Counter()
    for item_id, username, choice in votes:
        key = f"{item_id}/{username}"
        # A vote stored with another choice than the one asked is not that vote.
        vote_found[key if choices.get(key, choice) == choice else f"{key}/other"] += 1
    return [
        *_writes("register", ops, *markers(cases)),
        *_writes("escalate", ops, *markers(escalations)),
        *_writes("vote", ops, vote_found, {}),
    ]


# -- events ---------------------------------------------------------------------------------


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
        for event_id, subject, sent_at in _rows(
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
            r.event_id for r in _rows(url, select(inbox.c.event_id).where(inbox.c.consumer == name))
        ]
        dead_ids = {
            r.event_id for r in _rows(url, select(dead.c.event_id).where(dead.c.consumer == name))
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
        counted = int(_rows(system.urls["analytics"], query)[0][0])
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
    groups = _rows(system.urls["notifications"], select(*key, func.count()).group_by(*key))
    rows.append(
        Row(
            "in-app notifications: one per event and audience",
            len(groups),
            sum(1 for g in groups if g[-1] == 1),
            duplicated=sum(1 for g in groups if g[-1] > 1),
        )
    )
    return rows


# -- webhooks -------------------------------------------------------------------------------


def check_webhooks(system: System, received: Received, endpoints: dict[str, str]) -> list[Row]:
    escalations = {r.id for r in _rows(system.urls["cases"], select(Escalation.id))}
    deliveries = Counter(
        (r.endpoint_id, r.escalation_id)
        for r in _rows(
            system.urls["notifications"], select(Delivery.endpoint_id, Delivery.escalation_id)
        )
    )
    rows = []
    for path, calls in received.ids().items():
        ids_per_escalation: dict[str, set[str]] = {}
        for msg_id, escalation in calls:
            ids_per_escalation.setdefault(escalation, set()).add(msg_id)
        redelivered = sum(calls.values()) - len(calls)
        endpoint = endpoints[path]
        rows.append(
            Row(
                f"webhooks to {path}: escalations received",
                len(escalations),
                sum(1 for e in escalations if len(ids_per_escalation.get(e, ())) == 1),
                lost=sum(1 for e in escalations if e not in ids_per_escalation),
                duplicated=sum(1 for ids in ids_per_escalation.values() if len(ids) > 1),
                unexpected=sum(1 for e in ids_per_escalation if e not in escalations),
                note=f"{redelivered} redelivered under the same webhook-id",
            )
        )
        rows.append(
            Row(
                f"deliveries to {path}: one row per escalation",
                len(escalations),
                sum(1 for e in escalations if deliveries[(endpoint, e)] == 1),
                lost=sum(1 for e in escalations if deliveries[(endpoint, e)] == 0),
                duplicated=sum(1 for e in escalations if deliveries[(endpoint, e)] > 1),
            )
        )
    rows.append(
        Row("webhooks: signatures verified", sum(len(c) for c in received.ids().values()), 0,
            unexpected=received.bad_signatures,
            note="; ".join(received.bad_reasons[:3]) or "bad signatures count as unexpected")
    )  # fmt: skip
    rows[-1].good = rows[-1].total
    return rows


# -- the quiet period -----------------------------------------------------------------------


async def settled(system: System) -> bool:
    """Nothing left to do: outboxes sent, consumers caught up, no delivery pending."""
    for owner in OWNERS:
        table = backbone_of(owner).outbox
        query = select(func.count()).select_from(table).where(table.c.sent_at.is_(None))
        if (await asyncio.to_thread(_rows, system.urls[owner], query))[0][0]:
            return False
    query = select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
    if (await asyncio.to_thread(_rows, system.urls["notifications"], query))[0][0]:
        return False
    nc = await nats.connect(system.nats.url.split(",") if system.nats else "")
    try:
        consumers = await durable_consumers(nc.jetstream())
    finally:
        await nc.close()
    return all(pending == 0 and acks == 0 for *_, pending, acks in consumers)


async def quiet(system: System, timeout: float) -> bool:
    """Wait until the system has settled (twice in a row, a second apart), or the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    calm = 0
    while asyncio.get_running_loop().time() < deadline:
        calm = calm + 1 if await settled(system) else 0
        if calm >= 2:
            return True
        await asyncio.sleep(1)
    return False


def check_audit(system: System) -> Row:
    """`kelisim audit verify`: every chain intact and holding its signed checkpoints."""
    done = subprocess.run(
        [sys.executable, "-m", "kelisim.cli", "audit", "verify"],
        env=system.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    intact = [line for line in lines if "chain intact" in line]
    note = "; ".join(line for line in lines if "chain intact" not in line)
    return Row(
        "audit chains: kelisim audit verify",
        len(lines),
        len(intact),
        unexpected=len(lines) - len(intact) + (done.returncode != 0),
        note=note or f"exit {done.returncode}",
    )


async def check(
    system: System, ops: list[Op], received: Received, endpoints: dict[str, str]
) -> Report:
    report = Report()
    report.add(*await asyncio.to_thread(check_writes, system, ops))
    report.add(*await check_events(system))
    report.add(*await asyncio.to_thread(check_webhooks, system, received, endpoints))
    report.add(await asyncio.to_thread(check_audit, system))
    return report
