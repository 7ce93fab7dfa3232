"""The checker: counts, like Jepsen's, what the system did with what the clients were told.

- every acknowledged write is in its service's database exactly once, every refused one is
  absent, and nothing is there that no client asked for;
- every outbox row is on its stream exactly once, and every event on a stream is applied
  by every consumer of its subject (an inbox row, in the consumer's own transaction);
- every escalation in the cases database reached every endpoint under exactly one webhook-id.

The event checks are in stream_checks.py, the table and its rows in report.py.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections import Counter
from typing import Any

import nats
from sqlalchemy import func, select

from kelisim.cli import backbone_of
from kelisim.migrations import OWNERS
from services.cases.models import Case, Escalation
from services.councils.models import Vote
from services.notifications.models import Delivery
from tests.faults.load import Op
from tests.faults.receiver import Received
from tests.faults.report import Report, Row, rows_of
from tests.faults.stream_checks import check_events, durable_consumers
from tests.faults.system import System

MARKER = re.compile(r"faultop-\d{6}")


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
    cases = rows_of(system.urls["cases"], select(Case.id, Case.description))
    escalations = rows_of(system.urls["cases"], select(Escalation.id, Escalation.reason))
    votes = rows_of(system.urls["councils"], select(Vote.item_id, Vote.username, Vote.choice))
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


# -- webhooks -------------------------------------------------------------------------------


def check_webhooks(system: System, received: Received, endpoints: dict[str, str]) -> list[Row]:
    escalations = {r.id for r in rows_of(system.urls["cases"], select(Escalation.id))}
    deliveries = Counter(
        (r.endpoint_id, r.escalation_id)
        for r in rows_of(
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
        if (await asyncio.to_thread(rows_of, system.urls[owner], query))[0][0]:
            return False
    query = select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
    if (await asyncio.to_thread(rows_of, system.urls["notifications"], query))[0][0]:
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
