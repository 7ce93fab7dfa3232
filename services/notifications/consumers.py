"""What the notifications service consumes: event subject -> handler, inbox-guarded."""

from __future__ import annotations

import json

from sqlmodel import col, select

from kelisim.bus.consumer import ConsumerSpec, Handler
from kelisim.events import Envelope, EventData
from kelisim.events.cases import CaseEscalated
from kelisim.events.envelope import registered_types, schema_for
from kelisim.events.identity import UserUpserted
from kelisim.uow import UnitOfWork
from services.notifications.audience import dispatch
from services.notifications.models import (
    Delivery,
    Escalation,
    LiaisonEndpoint,
    Recipient,
    now_utc,
)


def consumable_subjects(*domains: str) -> list[str]:
    """The subjects of the registered event schemas of these domains."""
    subjects = {schema_for(t).subject for t in registered_types()}
    return sorted(s for s in subjects if s.split(".", 1)[0] in domains)


def on_domain_event(envelope: Envelope, data: EventData, uow: UnitOfWork) -> None:
    """Apply the notification rules of the event's subject."""
    dispatch(uow, envelope.id, envelope.nats_subject, data.model_dump(mode="json"))


def liaison_body(data: CaseEscalated) -> str:
    """The webhook body: the reviewed liaison subset and nothing else."""
    return json.dumps(
        {
            "type": data.subject,
            "timestamp": data.escalated_at.isoformat(),
            "data": data.model_dump(mode="json"),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def on_case_escalated(envelope: Envelope, data: CaseEscalated, uow: UnitOfWork) -> None:
    """Keep the escalation for the feed, queue one webhook per endpoint of its region."""
    session = uow.session
    exists = session.exec(
        select(Escalation).where(Escalation.escalation_id == data.escalation_id)
    ).first()
    if exists is not None:
        return  # the same escalation in another envelope: already delivered and announced
    escalation = Escalation(
        escalation_id=data.escalation_id,
        case_ref=data.case_ref,
        region=data.region,
        category=data.category,
        risk_level=data.risk_level,
        summary=data.summary,
        escalated_at=data.escalated_at,
    )
    session.add(escalation)
    uow.audit("escalation.received", "escalation", data.escalation_id, after=data.region)
    # Disabled endpoints get their deliveries too: they wait, pending, for re-enabling.
    endpoints = session.exec(
        select(LiaisonEndpoint)
        .where(LiaisonEndpoint.region == data.region)
        .order_by(col(LiaisonEndpoint.id))
    ).all()
    body = liaison_body(data)
    for endpoint in endpoints:
        delivery = Delivery(
            endpoint_id=endpoint.id,
            escalation_id=data.escalation_id,
            region=data.region,
            body=body,
            next_attempt_at=now_utc(),
        )
        session.add(delivery)
        uow.audit("delivery.queued", "delivery", delivery.id, after={"endpoint": endpoint.id})
    on_domain_event(envelope, data, uow)


def on_user_upserted(envelope: Envelope, data: UserUpserted, uow: UnitOfWork) -> None:
    """Keep the recipient directory in step with the gateway's staff accounts."""
    session = uow.session
    person = session.get(Recipient, data.username)
    before = None
    if person is None:
        person = Recipient(username=data.username, user_id=data.user_id)
    else:
        before = {"active": person.active, "roles": json.loads(person.roles)}
    person.user_id = data.user_id
    person.email = data.email
    person.lang = data.lang
    person.roles = json.dumps(sorted(data.roles))
    person.regions = json.dumps(sorted(data.regions))
    person.councils = json.dumps(sorted(data.councils))
    person.active = data.active
    person.digest = data.digest
    person.updated_at = now_utc()
    session.add(person)
    uow.audit(
        "recipient.upserted",
        "recipient",
        data.username,
        before=before,
        after={"active": data.active, "roles": sorted(data.roles)},
    )


def _handlers(domain: str) -> dict[str, Handler]:
    handlers: dict[str, Handler] = {s: on_domain_event for s in consumable_subjects(domain)}
    if domain == "cases":
        handlers["cases.case.escalated"] = on_case_escalated  # type: ignore[assignment]
    return handlers


def consumer_specs() -> list[ConsumerSpec]:
    """The streams and subjects this service consumes."""
    return [
        ConsumerSpec("CASES", _handlers("cases")),
        ConsumerSpec("COUNCILS", _handlers("councils")),
        ConsumerSpec("ANALYTICS", _handlers("analytics")),
        ConsumerSpec("IDENTITY", {"identity.user.upserted": on_user_upserted}),  # type: ignore[dict-item]
    ]
