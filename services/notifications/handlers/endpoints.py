"""Liaison endpoints: registered per region by an admin, rotated, enabled and disabled."""

from __future__ import annotations

import json
from dataclasses import dataclass

import structlog
from sqlmodel import select

from kelisim import netguard, webhooks
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.notifications import EndpointDisabled
from kelisim.preconditions import require
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.notifications import lifecycle, queries
from services.notifications.handlers.notify import notify
from services.notifications.lifecycle import ENDPOINT, PENDING, WEBHOOKS, endpoint_state
from services.notifications.models import Delivery, LiaisonEndpoint
from services.notifications.schemas import EndpointCreate, EndpointUpdate

log = structlog.get_logger("kelisim.notifications.webhooks")


@dataclass(frozen=True, kw_only=True)
class CreateEndpoint(Command):
    body: EndpointCreate
    guard: netguard.Guard


@dataclass(frozen=True, kw_only=True)
class UpdateEndpoint(Command):
    endpoint_id: str
    body: EndpointUpdate
    guard: netguard.Guard


@dataclass(frozen=True, kw_only=True)
class DeleteEndpoint(Command):
    endpoint_id: str


@dataclass(frozen=True, kw_only=True)
class RotateSecret(Command):
    endpoint_id: str


@dataclass(frozen=True)
class NewEndpoint:
    """A registered endpoint with the secret and public key generated for it, if any."""

    endpoint: LiaisonEndpoint
    generated_secret: str | None
    generated_public_key: str | None


def _callable(url: str, guard: netguard.Guard) -> str:
    """The URL if the SSRF guard lets it be called; 422 `url-not-allowed` otherwise."""
    try:
        netguard.check_registration(url, guard)
    except netguard.Refused as exc:
        raise Problem(422, "url-not-allowed", f"This endpoint URL is refused: {exc}.") from exc
    return url


def _no_signing_material() -> Problem:
    return Problem(422, "no-signing-material", "An endpoint needs a secret or a signing key.")


def create_endpoint(cmd: CreateEndpoint, uow: UnitOfWork) -> NewEndpoint:
    """Register a liaison endpoint, generating a secret or a signing key when asked."""
    body = cmd.body
    secrets = list(body.secrets)
    keys = list(body.signing_keys)
    new_secret = webhooks.generate_secret() if body.generate_secret else None
    new_key = webhooks.generate_signing_key() if body.generate_signing_key else None
    if new_secret:
        secrets.append(new_secret)
    if new_key:
        keys.append(new_key)
    if not secrets and not keys:
        raise _no_signing_material()
    if body.url.scheme not in ("http", "https"):
        raise Problem(422, "invalid-url", "Only http and https endpoints can be registered.")
    endpoint = LiaisonEndpoint(
        region=body.region,
        url=_callable(str(body.url), cmd.guard),
        description=body.description,
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
    return NewEndpoint(endpoint, new_secret, webhooks.public_key_of(new_key) if new_key else None)


def update_endpoint(cmd: UpdateEndpoint, uow: UnitOfWork) -> LiaisonEndpoint:
    """Change an endpoint: URL, secrets or keys (rotation), enabled (`If-Match` honoured)."""
    endpoint = queries.endpoint(uow.session, cmd.endpoint_id)
    require(cmd.if_match, queries.etag(endpoint))
    body = cmd.body
    before = {"url": endpoint.url, "enabled": endpoint.enabled}
    secrets = body.secrets if body.secrets is not None else json.loads(endpoint.secrets)
    keys = body.signing_keys if body.signing_keys is not None else json.loads(endpoint.signing_keys)
    if not secrets and not keys:
        raise _no_signing_material()
    if body.url is not None:
        endpoint.url = _callable(str(body.url), cmd.guard)
    if body.description is not None:
        endpoint.description = body.description
    endpoint.secrets = json.dumps(secrets)
    endpoint.signing_keys = json.dumps(keys)
    if body.enabled is True:
        if lifecycle.can(ENDPOINT, "enable", endpoint_state(endpoint.enabled)):
            _resume(endpoint.id, uow)
        endpoint.enabled = True
        endpoint.disabled_reason = None
        endpoint.failing_since = None
    elif body.enabled is False:
        endpoint.enabled = False
        endpoint.disabled_reason = "disabled by an admin"
    endpoint.updated_at = now()
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


def _waiting(endpoint_id: str, uow: UnitOfWork) -> list[Delivery]:
    return list(
        uow.session.exec(
            select(Delivery).where(Delivery.endpoint_id == endpoint_id, Delivery.status == PENDING)
        ).all()
    )


def _resume(endpoint_id: str, uow: UnitOfWork) -> None:
    """A re-enabled endpoint gets its waiting deliveries at once."""
    for delivery in _waiting(endpoint_id, uow):
        delivery.next_attempt_at = now()
        uow.session.add(delivery)
    uow.wake(WEBHOOKS, endpoint_id)


def delete_endpoint(cmd: DeleteEndpoint, uow: UnitOfWork) -> None:
    """Remove an endpoint; its pending deliveries are dead-lettered with it."""
    endpoint = queries.endpoint(uow.session, cmd.endpoint_id)
    for delivery in _waiting(endpoint.id, uow):
        delivery.status = lifecycle.move(lifecycle.DELIVERY, "dead_letter", delivery.status)
        delivery.last_error = "the endpoint was removed"
        delivery.finished_at = now()
        uow.session.add(delivery)
    uow.session.delete(endpoint)
    uow.audit(
        "endpoint.deleted",
        "liaison_endpoint",
        cmd.endpoint_id,
        before={"region": endpoint.region, "url": endpoint.url},
    )


def disable_endpoint(
    uow: UnitOfWork, endpoint: LiaisonEndpoint, reason: str, source_event_id: str
) -> None:
    """Disable a failing endpoint, publish it and tell the admins in-app."""
    log.warning("webhooks.endpoint_disabled", endpoint=endpoint.id, reason=reason)
    lifecycle.move(ENDPOINT, "disable", endpoint_state(endpoint.enabled))
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.updated_at = now()
    uow.session.add(endpoint)
    uow.audit("endpoint.disabled", "liaison_endpoint", endpoint.id, after={"reason": reason})
    uow.emit(
        EndpointDisabled(endpoint_id=endpoint.id, region=endpoint.region, reason=reason),
        aggregate=f"endpoint:{endpoint.id}",
    )
    notify(
        uow,
        source_event_id=source_event_id,
        topic="notifications.endpoint.disabled",
        params={"endpoint_id": endpoint.id, "region": endpoint.region, "reason": reason},
        audience={"audience_role": "admin", "region": None, "council_id": None},
    )


def rotate_secret(cmd: RotateSecret, uow: UnitOfWork) -> NewEndpoint:
    """A new secret signs from now on; the newest old one still verifies until the next rotation.

    Deliveries are signed with every secret on the endpoint, so the liaison's system keeps
    verifying while it switches to the new secret, which is answered once.
    """
    endpoint = queries.endpoint(uow.session, cmd.endpoint_id)
    old = json.loads(endpoint.secrets)
    new_secret = webhooks.generate_secret()
    endpoint.secrets = json.dumps([new_secret, *old[:1]])
    endpoint.updated_at = now()
    uow.session.add(endpoint)
    uow.audit(
        "endpoint.secret_rotated",
        "liaison_endpoint",
        endpoint.id,
        before={"secrets": len(old)},
        after={"secrets": 1 + len(old[:1])},
    )
    return NewEndpoint(endpoint, new_secret, None)
