"""The admin's notification rules: event subject -> audience -> channels."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim.pagination import Page
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, reading
from services.notifications import queries
from services.notifications.api.common import PREFIX
from services.notifications.handlers.rules import (
    CreateRule,
    DeleteRule,
    UpdateRule,
    create_rule,
    delete_rule,
    update_rule,
)
from services.notifications.models import Rule
from services.notifications.permissions import Admin
from services.notifications.schemas import RuleCreate, RulePublic, RuleUpdate

router = APIRouter(prefix=f"{PREFIX}/rules", tags=["notifications"])


def _answer(rule: Rule, response: Response) -> RulePublic:
    response.headers["ETag"] = queries.etag(rule)
    return queries.rule_public(rule)


@router.get("", response_model=Page[RulePublic])
def list_rules(principal: Admin, ctx: ContextDep) -> Page[RulePublic]:
    """Every notification rule."""
    with reading(ctx) as session:
        return queries.rules(session)


@router.get("/{rule_id}", response_model=RulePublic)
def get_rule(rule_id: str, response: Response, principal: Admin, ctx: ContextDep) -> RulePublic:
    """One rule, with its `ETag` for a later `If-Match`."""
    with reading(ctx) as session:
        rule = queries.rule(session, rule_id)
    return _answer(rule, response)


@router.post("", status_code=201, response_model=RulePublic)
def add_rule(body: RuleCreate, request: Request, principal: Admin, ctx: ContextDep):
    """Add a rule: an event subject, an audience and channels (`Idempotency-Key` honoured)."""
    cmd = CreateRule(principal=principal, body=body)
    return ctx.create(request, create_rule, cmd, shape=queries.rule_public)


@router.patch("/{rule_id}", response_model=RulePublic)
def change_rule(
    rule_id: str,
    body: RuleUpdate,
    request: Request,
    response: Response,
    principal: Admin,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> RulePublic:
    """Change a rule; with `If-Match`, only if nobody changed it since."""
    cmd = UpdateRule(principal=principal, if_match=if_match, rule_id=rule_id, body=body)
    return _answer(ctx.run(request, update_rule, cmd), response)


@router.delete("/{rule_id}", status_code=204)
def remove_rule(rule_id: str, request: Request, principal: Admin, ctx: ContextDep) -> Response:
    """Remove a rule."""
    ctx.run(request, delete_rule, DeleteRule(principal=principal, rule_id=rule_id))
    return Response(status_code=204)
