"""Commands of the notifications service: handler(cmd, uow) -> result, audited, one commit."""

from __future__ import annotations

import json

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from kelisim import webhooks
from kelisim.auth import Principal
from kelisim.events import schema_for
from kelisim.events.envelope import registered_types
from kelisim.events.notifications import EscalationAcknowledged
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.notifications.audience import visible_to
from services.notifications.idempotency import check_if_match, etag
from services.notifications.models import (
    Delivery,
    Escalation,
    LiaisonEndpoint,
    Notification,
    NotificationRead,
    Rule,
    now_utc,
)
from services.notifications.schemas import (
    BulkReplay,
    EndpointCreate,
    EndpointUpdate,
    RuleCreate,
    RuleUpdate,
)

CONSUMED_DOMAINS = ("cases", "councils", "analytics")


def _rule_subjects() -> dict[str, set[str]]:
    """Subjects a rule may name, with the fields their events carry."""
    subjects = {}
    for ce_type in registered_types():
        schema = schema_for(ce_type)
        if schema.subject.split(".", 1)[0] in CONSUMED_DOMAINS:
            subjects[schema.subject] = set(schema.model_fields)
    return subjects


def _check_rule(subject: str, audience: str, role: str | None, scope: str) -> None:
    fields = _rule_subjects().get(subject)
    if fields is None:
        raise Problem(422, "unknown-subject", f"No consumed event has the subject {subject!r}.")
    if audience == "mediator":
        if "mediator" not in fields:
            raise Problem(422, "invalid-audience", "This event names no mediator.")
        return
    if role is None:
        raise Problem(422, "invalid-audience", "A role audience needs a role.")
    if role == "liaison":
        raise Problem(422, "invalid-audience", "Liaisons receive escalations through the feed.")
    needed = {"region": "region", "council": "council_id"}.get(scope)
    if needed and needed not in fields:
        raise Problem(422, "invalid-scope", f"This event carries no {needed}.")


def _rule_state(rule: Rule) -> dict[str, object]:
    return rule.model_dump(mode="json", exclude={"created_at", "updated_at"})


def create_rule(cmd: RuleCreate, uow: UnitOfWork) -> Rule:
    """Add a notification rule."""
    _check_rule(cmd.subject, cmd.audience, cmd.role, cmd.scope)
    rule = Rule(**cmd.model_dump())
    if rule.audience == "mediator":
        rule.role = None
    uow.session.add(rule)
    uow.audit("rule.created", "rule", rule.id, after=_rule_state(rule))
    return rule


def update_rule(
    rule_id: str, cmd: RuleUpdate, uow: UnitOfWork, if_match: str | None = None
) -> Rule:
    """Change a notification rule (refused if it changed since the caller read it)."""
    rule = uow.session.get(Rule, rule_id)
    if rule is None:
        raise Problem(404, "not-found", "No such rule.")
    check_if_match(if_match, etag(rule.id, rule.updated_at))
    before = _rule_state(rule)
    for key, value in cmd.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(rule, key, value)
    _check_rule(rule.subject, rule.audience, rule.role, rule.scope)
    if rule.audience == "mediator":
        rule.role = None
    rule.updated_at = now_utc()
    uow.session.add(rule)
    uow.audit("rule.updated", "rule", rule.id, before=before, after=_rule_state(rule))
    return rule


def delete_rule(rule_id: str, uow: UnitOfWork) -> None:
    """Remove a notification rule."""
    rule = uow.session.get(Rule, rule_id)
    if rule is None:
        raise Problem(404, "not-found", "No such rule.")
    before = _rule_state(rule)
    uow.session.delete(rule)
    uow.audit("rule.deleted", "rule", rule_id, before=before)


def mark_read(notification_id: str, principal: Principal, uow: UnitOfWork) -> None:
    """Mark one of the caller's notifications read (idempotent)."""
    note = uow.session.exec(
        select(Notification).where(Notification.id == notification_id, visible_to(principal))
    ).first()
    if note is None:
        raise Problem(404, "not-found", "No such notification in your inbox.")
    if uow.session.get(NotificationRead, (note.id, principal.sub)) is None:
        uow.session.add(NotificationRead(notification_id=note.id, username=principal.sub))
        uow.audit("notification.read", "notification", note.id, after={"by": principal.sub})


def unread_condition(principal: Principal):  # type: ignore[no-untyped-def]
    """SQL condition: the caller's notifications they have not read."""
    read = sa_select(NotificationRead.notification_id).where(
        NotificationRead.username == principal.sub
    )
    return and_(visible_to(principal), col(Notification.id).not_in(read))


def mark_all_read(principal: Principal, uow: UnitOfWork) -> int:
    """Mark every unread notification of the caller read."""
    ids = uow.session.exec(select(Notification.id).where(unread_condition(principal))).all()
    for note_id in ids:
        uow.session.add(NotificationRead(notification_id=note_id, username=principal.sub))
    if ids:
        uow.audit("notification.read_all", "inbox", principal.sub, after={"count": len(ids)})
    return len(ids)


def create_endpoint(
    cmd: EndpointCreate, uow: UnitOfWork
) -> tuple[LiaisonEndpoint, str | None, str | None]:
    """Register a liaison endpoint; returns it with any generated secret and public key."""
    secrets = list(cmd.secrets)
    keys = list(cmd.signing_keys)
    new_secret = webhooks.generate_secret() if cmd.generate_secret else None
    new_key = webhooks.generate_signing_key() if cmd.generate_signing_key else None
    if new_secret:
        secrets.append(new_secret)
    if new_key:
        keys.append(new_key)
    if not secrets and not keys:
        raise Problem(422, "no-signing-material", "An endpoint needs a secret or a signing key.")
    if cmd.url.scheme not in ("http", "https"):
        raise Problem(422, "invalid-url", "Only http and https endpoints can be registered.")
    endpoint = LiaisonEndpoint(
        region=cmd.region,
        url=str(cmd.url),
        description=cmd.description,
        secrets=json.dumps(secrets),
        signing_keys=json.dumps(keys),
    )
    uow.session.add(endpoint)
    uow.audit(
        "endpoint.created",
        "liaison_endpoint",
        endpoint.id,
        after={
            "region": endpoint.region,
            "url": endpoint.url,
            "secrets": len(secrets),
            "keys": len(keys),
        },
    )
    return endpoint, new_secret, webhooks.public_key_of(new_key) if new_key else None


def update_endpoint(
    endpoint_id: str, cmd: EndpointUpdate, uow: UnitOfWork, if_match: str | None = None
) -> LiaisonEndpoint:
    """Change an endpoint: URL, secrets or keys (rotation), enabled."""
    endpoint = uow.session.get(LiaisonEndpoint, endpoint_id)
    if endpoint is None:
        raise Problem(404, "not-found", "No such endpoint.")
    check_if_match(if_match, etag(endpoint.id, endpoint.updated_at))
    before = {"url": endpoint.url, "enabled": endpoint.enabled}
    secrets = cmd.secrets if cmd.secrets is not None else json.loads(endpoint.secrets)
    keys = cmd.signing_keys if cmd.signing_keys is not None else json.loads(endpoint.signing_keys)
    if not secrets and not keys:
        raise Problem(422, "no-signing-material", "An endpoint needs a secret or a signing key.")
    if cmd.url is not None:
        endpoint.url = str(cmd.url)
    if cmd.description is not None:
        endpoint.description = cmd.description
    endpoint.secrets = json.dumps(secrets)
    endpoint.signing_keys = json.dumps(keys)
    if cmd.enabled is not None:
        if cmd.enabled and not endpoint.enabled:
            _resume(endpoint.id, uow)
        endpoint.enabled = cmd.enabled
        if cmd.enabled:
            endpoint.disabled_reason = None
            endpoint.failing_since = None
        else:
            endpoint.disabled_reason = "disabled by an admin"
    endpoint.updated_at = now_utc()
    uow.session.add(endpoint)
    uow.audit(
        "endpoint.updated",
        "liaison_endpoint",
        endpoint.id,
        before=before,
        after={
            "url": endpoint.url,
            "enabled": endpoint.enabled,
            "secrets": len(secrets),
            "keys": len(keys),
        },
    )
    return endpoint


def _resume(endpoint_id: str, uow: UnitOfWork) -> None:
    """A re-enabled endpoint gets its waiting deliveries at once."""
    waiting = uow.session.exec(
        select(Delivery).where(Delivery.endpoint_id == endpoint_id, Delivery.status == "pending")
    ).all()
    for delivery in waiting:
        delivery.next_attempt_at = now_utc()
        uow.session.add(delivery)


def delete_endpoint(endpoint_id: str, uow: UnitOfWork) -> None:
    """Remove an endpoint; its pending deliveries are dead-lettered with it."""
    endpoint = uow.session.get(LiaisonEndpoint, endpoint_id)
    if endpoint is None:
        raise Problem(404, "not-found", "No such endpoint.")
    pending = uow.session.exec(
        select(Delivery).where(Delivery.endpoint_id == endpoint_id, Delivery.status == "pending")
    ).all()
    for delivery in pending:
        delivery.status = "dead"
        delivery.last_error = "the endpoint was removed"
        delivery.finished_at = now_utc()
        uow.session.add(delivery)
    uow.session.delete(endpoint)
    uow.audit(
        "endpoint.deleted",
        "liaison_endpoint",
        endpoint_id,
        before={"region": endpoint.region, "url": endpoint.url},
    )


def _replay(delivery: Delivery, uow: UnitOfWork) -> None:
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = "pending"
    delivery.schedule_step = 0
    delivery.next_attempt_at = now_utc()
    delivery.finished_at = None
    uow.session.add(delivery)
    uow.audit("delivery.replayed", "delivery", delivery.id, before=before, after="pending")


def replay_delivery(delivery_id: str, uow: UnitOfWork) -> Delivery:
    """Send a finished delivery again, under the same webhook-id."""
    delivery = uow.session.get(Delivery, delivery_id)
    if delivery is None:
        raise Problem(404, "not-found", "No such delivery.")
    if delivery.status == "pending":
        raise Problem(409, "delivery-pending", "The delivery is still being attempted.")
    _replay(delivery, uow)
    return delivery


def replay_bulk(cmd: BulkReplay, uow: UnitOfWork) -> int:
    """Replay every dead delivery, optionally of one endpoint."""
    query = select(Delivery).where(Delivery.status == cmd.status)
    if cmd.endpoint_id:
        query = query.where(Delivery.endpoint_id == cmd.endpoint_id)
    rows = uow.session.exec(query).all()
    for delivery in rows:
        _replay(delivery, uow)
    return len(rows)


def acknowledge(escalation_id: str, principal: Principal, uow: UnitOfWork) -> Escalation:
    """A liaison accepts an escalation of their region; a second ack changes nothing."""
    escalation = uow.session.exec(
        select(Escalation).where(Escalation.escalation_id == escalation_id)
    ).first()
    if escalation is None or not principal.in_region(escalation.region):
        raise Problem(404, "not-found", "No such escalation in your region.")
    if escalation.acknowledged_at is not None:
        return escalation
    escalation.acknowledged_by = principal.sub
    escalation.acknowledged_at = now_utc()
    uow.session.add(escalation)
    uow.audit(
        "escalation.acknowledged",
        "escalation",
        escalation.escalation_id,
        after={"by": principal.sub, "at": escalation.acknowledged_at.isoformat()},
    )
    uow.emit(
        EscalationAcknowledged(
            escalation_id=escalation.escalation_id,
            case_ref=escalation.case_ref,
            region=escalation.region,
            acknowledged_by=principal.sub,
            acknowledged_at=escalation.acknowledged_at,
        ),
        aggregate=f"case:{escalation.case_ref}",
    )
    return escalation


def seq_cursor(raw: str | None) -> int:
    """The position an opaque keyset cursor stands for."""
    if not raw:
        return 0
    if not raw.isdigit():
        raise Problem(422, "invalid-cursor", "The cursor is not one this service gave out.")
    return int(raw)
