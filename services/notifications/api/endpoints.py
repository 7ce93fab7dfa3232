"""The admin's liaison webhook endpoints: registered per region, rotated, enabled, removed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim.netguard import Guard
from kelisim.pagination import Page
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, reading
from kelisim.uow import UnitOfWork
from services.notifications import queries
from services.notifications.api.common import PREFIX
from services.notifications.handlers.endpoints import (
    CreateEndpoint,
    DeleteEndpoint,
    NewEndpoint,
    RotateSecret,
    UpdateEndpoint,
    create_endpoint,
    delete_endpoint,
    rotate_secret,
    update_endpoint,
)
from services.notifications.models import LiaisonEndpoint
from services.notifications.permissions import Admin
from services.notifications.schemas import (
    EndpointCreate,
    EndpointCreated,
    EndpointPublic,
    EndpointUpdate,
)

router = APIRouter(prefix=f"{PREFIX}/endpoints", tags=["webhooks"])


def _answer(endpoint: LiaisonEndpoint, response: Response) -> EndpointPublic:
    response.headers["ETag"] = queries.etag(endpoint)
    return queries.endpoint_public(endpoint)


def created(new: NewEndpoint, _uow: UnitOfWork | None = None) -> EndpointCreated:
    """Answered once: the endpoint with the secret and key generated for it, for the liaison."""
    return EndpointCreated(
        **queries.endpoint_public(new.endpoint).model_dump(),
        generated_secret=new.generated_secret,
        generated_public_key=new.generated_public_key,
    )


@router.get("", response_model=Page[EndpointPublic])
def list_endpoints(principal: Admin, ctx: ContextDep) -> Page[EndpointPublic]:
    """Every liaison endpoint, secrets masked."""
    with reading(ctx) as session:
        return queries.endpoints(session)


@router.get("/{endpoint_id}", response_model=EndpointPublic)
def get_endpoint(
    endpoint_id: str, response: Response, principal: Admin, ctx: ContextDep
) -> EndpointPublic:
    """One endpoint, with its `ETag` for a later `If-Match`."""
    with reading(ctx) as session:
        endpoint = queries.endpoint(session, endpoint_id)
    return _answer(endpoint, response)


@router.post("", status_code=201, response_model=EndpointCreated)
def register_endpoint(body: EndpointCreate, request: Request, principal: Admin, ctx: ContextDep):
    """Register a liaison endpoint for a region (`Idempotency-Key` honoured)."""
    cmd = CreateEndpoint(principal=principal, body=body, guard=Guard.from_settings(ctx.settings))
    return ctx.create(request, create_endpoint, cmd, shape=created)


@router.post("/{endpoint_id}/secret-rotation", response_model=EndpointCreated)
def rotate_endpoint_secret(
    endpoint_id: str, request: Request, principal: Admin, ctx: ContextDep
) -> EndpointCreated:
    """Rotate the signing secret: the new one is answered once; the last old one still verifies."""
    cmd = RotateSecret(principal=principal, endpoint_id=endpoint_id)
    return created(ctx.run(request, rotate_secret, cmd))


@router.patch("/{endpoint_id}", response_model=EndpointPublic)
def change_endpoint(
    endpoint_id: str,
    body: EndpointUpdate,
    request: Request,
    response: Response,
    principal: Admin,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> EndpointPublic:
    """Change an endpoint: URL, rotation of secrets or keys, enabling (`If-Match` honoured)."""
    guard = Guard.from_settings(ctx.settings)
    cmd = UpdateEndpoint(
        principal=principal, if_match=if_match, endpoint_id=endpoint_id, body=body, guard=guard
    )
    return _answer(ctx.run(request, update_endpoint, cmd), response)


@router.delete("/{endpoint_id}", status_code=204)
def remove_endpoint(
    endpoint_id: str, request: Request, principal: Admin, ctx: ContextDep
) -> Response:
    """Remove an endpoint; its pending deliveries are dead-lettered."""
    ctx.run(request, delete_endpoint, DeleteEndpoint(principal=principal, endpoint_id=endpoint_id))
    return Response(status_code=204)
