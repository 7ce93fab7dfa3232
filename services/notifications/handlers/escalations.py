"""Escalations to law enforcement: received, queued for delivery, accepted, alerted if not.

An escalation is kept for the pull feed and queued as one webhook delivery per endpoint of
its region in the transaction that received it. A liaison accepts it (receipt, beyond
delivery), which is told to the region's coordinators and the case's mediator; one not
accepted in time alerts the region's coordinators, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import col, select

from kelisim import tracing
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.db import table_of
from kelisim.events import Envelope
from kelisim.events.cases import CaseEscalated
from kelisim.events.notifications import EscalationAcknowledged
from kelisim.problems import Problem
from kelisim.references import escalation_reference
from kelisim.rows import insert_rows, row_of
from kelisim.uow import UnitOfWork
from services.notifications.handlers.notify import dispatch, notify, plan
from services.notifications.lifecycle import WEBHOOKS
from services.notifications.models import Delivery, Escalation, LiaisonEndpoint

ALERT_BATCH = 100
ACCEPTED = "notifications.escalation.acknowledged"  # the topic of the staff notice


@dataclass(frozen=True, kw_only=True)
class AcknowledgeEscalation(Command):
    escalation_id: str


@dataclass(frozen=True)
class RaiseReceiptAlerts:
    """Alert the coordinators of escalations not accepted within `hours`."""

    hours: float


def liaison_body(data: CaseEscalated) -> str:
    """The webhook body: the reviewed liaison subset and nothing else, with the reference the
    feed and the mediator's page show, to quote on the phone."""
    return json.dumps(
        {
            "type": data.subject,
            "timestamp": data.escalated_at.isoformat(),
            "data": {
                **data.liaison_subset(),
                "reference": escalation_reference(data.escalation_id),
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


# Built once: every escalation runs them (see services/cases/queries.py). By Core: the
# handler needs whether the escalation is kept and the endpoints' ids, not entities.
ESCALATIONS = table_of(Escalation)
ENDPOINTS = table_of(LiaisonEndpoint)
_ESCALATION = sa.select(ESCALATIONS.c.seq).where(
    ESCALATIONS.c.escalation_id == bindparam("escalation_id")
)
_REGION_ENDPOINTS = (
    sa.select(ENDPOINTS.c.id)
    .where(ENDPOINTS.c.region == bindparam("region"))
    .order_by(ENDPOINTS.c.id)
    .with_for_update()
)


def on_case_escalated(envelope: Envelope, data: CaseEscalated, uow: UnitOfWork) -> None:
    """Consumer handler: keep the escalation for the feed, queue one webhook per endpoint.

    Reads first (the escalation, the endpoints, the rules, their people and the names the
    notices give), then writes its rows by Core, so no read flushes anything.
    """
    conn = uow.conn
    exists = conn.execute(_ESCALATION, {"escalation_id": data.escalation_id}).first()
    if exists is not None:
        return  # the same escalation in another envelope: already delivered and announced
    # Disabled endpoints get their deliveries too: they wait, pending, for re-enabling.
    # FOR UPDATE (PostgreSQL; SQLite's writer lock does the same): two replicas queueing for
    # one endpoint take turns, so a delivery's time-ordered id, made after the lock, follows
    # the commit order. Without it a replica's longer transaction could commit an earlier id
    # after the lane had sent a later one, and the endpoint would get them out of order.
    endpoints: list[str] = list(conn.execute(_REGION_ENDPOINTS, {"region": data.region}).scalars())
    staff = {
        **data.liaison_subset(),
        **staff_refs(data.case_id, data.number),
        "mediator": data.mediator,
    }
    planned = plan(uow, envelope.nats_subject, staff)
    # Written by Core: nothing reads them back as entities in this transaction.
    escalation = row_of(
        Escalation,
        escalation_id=data.escalation_id,
        case_ref=data.case_ref,
        region=data.region,
        category=data.category,
        risk_level=data.risk_level,
        risk_of=data.risk_of,
        summary=data.summary,
        escalated_at=data.escalated_at,
        case_id=data.case_id,
        case_number=data.number,
        mediator=data.mediator,
    )
    insert_rows(conn, Escalation, [escalation])
    uow.audit("escalation.received", "escalation", data.escalation_id, after=data.region)
    body = liaison_body(data)
    deliveries = []
    for endpoint_id in endpoints:
        delivery = row_of(
            Delivery,
            endpoint_id=endpoint_id,
            escalation_id=data.escalation_id,
            region=data.region,
            body=body,
            next_attempt_at=now(),
            traceparent=tracing.traceparent(),
        )
        deliveries.append(delivery)
        uow.audit("delivery.queued", "delivery", delivery["id"], after={"endpoint": endpoint_id})
        uow.wake(WEBHOOKS, endpoint_id)  # straight to the endpoint's lane once committed
    insert_rows(conn, Delivery, deliveries)
    # Notices go to staff only: a rule never reaches liaisons (422 `invalid-audience`), who
    # get the subset through the feed and webhooks.
    dispatch(uow, envelope.id, envelope.nats_subject, staff, planned)


def staff_refs(case_id: str | None, number: str | None) -> dict[str, str | None]:
    """What a staff notice of an escalation says of its case: `case_ref` is the case's id (as
    in every other case notice, so it links to the case) and `number` names it. Without them
    (escalations received before events carried them) the liaison's reference is dropped, so
    the notice links to the escalations page rather than to no case."""
    if case_id is None:
        return {"case_ref": None}
    return {"case_ref": case_id, **({"number": number} if number else {})}


def acknowledge_escalation(cmd: AcknowledgeEscalation, uow: UnitOfWork) -> Escalation:
    """A liaison accepts an escalation of their region; a second ack changes nothing."""
    liaison = cmd.principal
    escalation = uow.session.exec(
        select(Escalation).where(Escalation.escalation_id == cmd.escalation_id)
    ).first()
    if escalation is None or not liaison.in_region(escalation.region):
        raise Problem(404, "not-found", "No such escalation in your region.")
    if escalation.acknowledged_at is not None:
        return escalation
    escalation.acknowledged_by = liaison.sub
    escalation.acknowledged_at = now()
    uow.session.add(escalation)
    uow.audit(
        "escalation.acknowledged",
        "escalation",
        escalation.escalation_id,
        after={"by": liaison.sub, "at": escalation.acknowledged_at.isoformat()},
    )
    accepted = uow.emit(
        EscalationAcknowledged(
            escalation_id=escalation.escalation_id,
            case_ref=escalation.case_ref,
            region=escalation.region,
            acknowledged_by=liaison.sub,
            acknowledged_at=escalation.acknowledged_at,
        ),
        aggregate=f"case:{escalation.case_ref}",
    )
    _tell_accepted(uow, escalation, accepted.id)
    return escalation


def _tell_accepted(uow: UnitOfWork, escalation: Escalation, event_id: str) -> None:
    """Tell the region's coordinators and the case's mediator (when the escalation names them)
    that the liaison accepted it, and when: in-app and by e-mail, as its alert was. The notice
    names the case for staff, never the liaison."""
    assert escalation.acknowledged_at is not None
    params = {
        "escalation_id": escalation.escalation_id,
        **staff_refs(escalation.case_id, escalation.case_number),
        "region": escalation.region,
        "acknowledged_at": escalation.acknowledged_at.isoformat(),
    }
    audiences: list[dict[str, str | None]] = [
        {"audience_role": "coordinator", "region": escalation.region, "council_id": None}
    ]
    if escalation.mediator:
        audiences.append({"audience_user": escalation.mediator})
    for audience in audiences:
        notify(
            uow,
            source_event_id=event_id,
            topic=ACCEPTED,
            params=params,
            audience=audience,
            email=True,
        )


def raise_receipt_alerts(cmd: RaiseReceiptAlerts, uow: UnitOfWork) -> int:
    """Alert the region's coordinators, once, in-app and by e-mail, of each late receipt."""
    due = now() - timedelta(hours=cmd.hours)
    late = uow.session.exec(
        select(Escalation)
        .where(col(Escalation.acknowledged_at).is_(None))
        .where(col(Escalation.alerted_at).is_(None))
        .where(col(Escalation.received_at) <= due)
        .order_by(col(Escalation.seq))
        .limit(ALERT_BATCH)
    ).all()
    for escalation in late:
        escalation.alerted_at = now()
        uow.session.add(escalation)
        uow.audit(
            "escalation.alerted", "escalation", escalation.escalation_id, after={"hours": cmd.hours}
        )
        notify(
            uow,
            source_event_id=escalation.escalation_id,
            topic="notifications.escalation.unacknowledged",
            params={
                "escalation_id": escalation.escalation_id,
                **staff_refs(escalation.case_id, escalation.case_number),
                "region": escalation.region,
                "risk_level": escalation.risk_level,
                "hours": f"{cmd.hours:g}",
            },
            audience={
                "audience_role": "coordinator",
                "region": escalation.region,
                "council_id": None,
            },
            email=True,  # a coordinator may not be looking at the app: a late receipt is urgent
        )
    return len(late)
