"""Helpers of the people tests: an overdue case, an inbox that has filled, and a person
announced to the directory."""

from __future__ import annotations

from datetime import date

import nats
from sqlmodel import Session, create_engine

from kelisim.events import Envelope
from kelisim.events.cases import CaseOverdue
from kelisim.events.identity import UserUpserted
from services.notifications.models import Recipient


def overdue(mediator: str | None, region: str = "KZ-75") -> CaseOverdue:
    return CaseOverdue(
        case_ref="ref-1",
        number=f"{region}-2026-000042",
        region=region,
        mediator=mediator,
        deadline=date(2026, 11, 20),
    )


async def _count(client, headers, n):  # type: ignore[no-untyped-def]
    body = (await client.get("/api/v1/notifications/inbox", headers=headers)).json()
    return body if len(body["items"]) >= n else None


def in_directory(settings, username: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the notifications service's directory knows the person's e-mail address."""
    engine = create_engine(settings.database_url("notifications"))
    try:
        with Session(engine) as session:
            person = session.get(Recipient, username)
            return person is not None and person.email is not None
    finally:
        engine.dispose()


async def announce(settings, username: str, **fields) -> None:  # type: ignore[no-untyped-def]
    """The gateway's announcement of a person (with an e-mail address), on the real bus."""
    user = UserUpserted(
        user_id=username,
        username=username,
        full_name=username.title(),
        email=f"{username}@example.kz",
        councils=[],
        active=True,
        digest=False,
        **fields,
    )
    envelope = Envelope.wrap(user, source="/kelisim/gateway", subject=f"user:{username}")
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().publish(
            envelope.nats_subject, envelope.to_bytes(), headers={"Nats-Msg-Id": envelope.id}
        )
    finally:
        await nc.close()
