"""Helpers that walk real cases through the cases service, and read what it published."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from typing import Any

import httpx
import nats
from sqlalchemy import create_engine, select
from sqlmodel import Session as DbSession

from kelisim.settings import Settings
from services.cases.models import StaffMember, backbone
from services.cases.terms import TermPolicy
from tests.support.checks import (
    assert_problem,  # noqa: F401 - the suite's one helper
    eventually,
)
from tests.support.events import announce_staff
from tests.support.services import bearer

REGION = "KZ-75"
BASE = "/api/v1/cases"


def today() -> date:
    """The service's today: terms are counted in Kazakhstan's local dates. Asked when a test
    runs, not once at import: a run that passes midnight in Almaty (19:00 UTC) would compare
    yesterday's date with the service's today."""
    return TermPolicy().today()


def this_month() -> date:
    """The first day of the service's month, asked when a test runs (as today())."""
    return today().replace(day=1)


def coordinator(settings: Settings, sub: str = "coord-almaty", regions=(REGION,)) -> dict:
    return bearer(settings, "cases", sub=sub, roles=["coordinator"], regions=list(regions))


def mediator(settings: Settings, sub: str = "med-aigerim", regions=(REGION,)) -> dict:
    return bearer(settings, "cases", sub=sub, roles=["mediator"], regions=list(regions))


MEDIATORS = ("med-aigerim", "med-bolat")


async def known_staff(
    client: httpx.AsyncClient,
    settings: Settings,
    username: str,
    *,
    roles: tuple[str, ...] = ("mediator",),
    regions: tuple[str, ...] = (REGION,),
    active: bool = True,
) -> None:
    """The gateway announces an account (identity.user.upserted); wait until cases has it."""
    await announce_staff(
        settings.nats_url, username, roles=list(roles), regions=list(regions), active=active
    )
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    wanted = (json.dumps(sorted(roles)), json.dumps(sorted(regions)), active)

    def known() -> bool:
        with DbSession(ctx.engine) as db:
            row = db.get(StaffMember, username)
            return row is not None and (row.roles, row.regions, row.active) == wanted

    await eventually(known, what=f"the cases service to know {username}")


async def known_mediators(client: httpx.AsyncClient, settings: Settings, *usernames: str) -> None:
    """Active mediators of Almaty, known to the cases service (by default MEDIATORS)."""
    for username in usernames or MEDIATORS:
        await known_staff(client, settings, username)


def unique(label: str) -> str:
    """A name no other text contains, to search published messages for."""
    return f"{label}-{uuid.uuid4().hex[:10]}"


def person(**extra: Any) -> dict:
    return {
        "kind": "person",
        "name": unique("Person"),
        "phone": f"+7701{uuid.uuid4().int % 10**7:07d}",
        "email": f"{unique('mail')}@example.kz",
        "address": unique("Abai avenue"),
        "language": "kk",
        **extra,
    }


def organisation(**extra: Any) -> dict:
    return {"kind": "organisation", "name": unique("LLP"), "language": "ru", **extra}


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def register(client: httpx.AsyncClient, headers: dict, **body: Any) -> dict:
    payload = {
        "region": REGION,
        "category": "neighbour",
        "channel": "walk_in",
        "description": "A dispute over a shared courtyard wall",
        "parties": [person(), person()],
        **body,
    }
    created = ok(await client.post(BASE, json=payload, headers=headers), 201)
    created["_sent_parties"] = payload["parties"]
    return created


async def post(
    client: httpx.AsyncClient,
    case_id: str,
    path: str,
    headers: dict,
    body: Any = None,
    status: int = 200,
) -> dict:
    return ok(await client.post(f"{BASE}/{case_id}/{path}", json=body, headers=headers), status)


async def to_mediation(
    client: httpx.AsyncClient,
    settings: Settings,
    signed_on: date | None = None,
    **register_body: Any,
) -> dict:
    """Register, assign, declare, record every consent and sign the agreement."""
    coord, med = coordinator(settings), mediator(settings)
    await known_mediators(client, settings, "med-aigerim")
    case = await register(client, med, **register_body)
    signed = await mediate(client, case["id"], coord, med, "med-aigerim", signed_on)
    signed["_sent_parties"] = case["_sent_parties"]
    return signed


async def mediate(
    client: httpx.AsyncClient,
    case_id: str,
    coord: dict,
    med: dict,
    mediator: str,
    signed_on: date | None = None,
) -> dict:
    """Assign a registered case, declare no conflict, record every consent, sign (today)."""
    signed_on = signed_on or today()
    await post(client, case_id, "assignment", coord, {"mediator": mediator})
    full = await post(client, case_id, "declaration", med, {"conflict": False})
    for party in full["parties"]:
        await post(
            client,
            case_id,
            "consents",
            med,
            {"party_id": party["id"], "form": "written", "given_on": str(signed_on)},
        )
    return await post(client, case_id, "agreement", med, {"signed_on": str(signed_on)})


def outbox(settings: Settings, case_id: str | None = None) -> list[dict]:
    """The envelopes the cases service queued, oldest first (optionally for one case)."""
    engine = create_engine(settings.database_url("cases"))
    try:
        stmt = select(backbone.outbox).order_by(backbone.outbox.c.seq)
        if case_id:
            stmt = stmt.where(backbone.outbox.c.aggregate == f"case:{case_id}")
        with engine.connect() as conn:
            return [json.loads(row.envelope) for row in conn.execute(stmt)]
    finally:
        engine.dispose()


def subjects(settings: Settings, case_id: str) -> list[str]:
    return [
        e["type"].removeprefix("kz.kelisim.").removesuffix(".v1") for e in outbox(settings, case_id)
    ]


def audit_count(settings: Settings) -> int:
    engine = create_engine(settings.database_url("cases"))
    try:
        with engine.connect() as conn:
            return len(conn.execute(select(backbone.audit_log.c.seq)).all())
    finally:
        engine.dispose()


async def published(settings: Settings, timeout: float = 20) -> list[bytes]:
    """Every message on the CASES stream (data and headers), once the outbox is all sent."""
    engine = create_engine(settings.database_url("cases"))
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while True:
            with engine.connect() as conn:
                pending = conn.execute(
                    select(backbone.outbox.c.seq).where(backbone.outbox.c.sent_at.is_(None))
                ).all()
            if not pending:
                break
            assert asyncio.get_running_loop().time() < deadline, "outbox not drained"
            await asyncio.sleep(0.05)
    finally:
        engine.dispose()
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info("CASES")
        messages = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg("CASES", seq)
            headers = json.dumps(msg.headers or {}).encode()
            messages.append(msg.subject.encode() + b"\n" + headers + b"\n" + (msg.data or b""))
        return messages
    finally:
        await nc.close()
