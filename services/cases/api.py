"""Thin routes of the cases service's commands: parse, authorise, call a handler, answer.

Every command answers with the case as the caller may see it and its `ETag`; a command
sent with `If-Match` is refused (412) when the case changed since it was read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import IntegrityError

from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, ServiceContext, actor_of
from kelisim.uow import UnitOfWork
from services.cases import permissions, queries
from services.cases.handlers import assign, compliance, consent, escalate, outcome, register
from services.cases.handlers import sessions as session_handlers
from services.cases.handlers.common import Target, etag
from services.cases.models import Case
from services.cases.schemas import (
    AgreementCmd,
    AssignmentCmd,
    CaseCreate,
    CasePublic,
    ConsentCmd,
    Declaration,
    EscalationCmd,
    EscalationPublic,
    ExtensionCmd,
    ObligationCreate,
    ObligationPublic,
    ObligationResolve,
    OutcomeCmd,
    PartyCreate,
    Refusal,
    ReopenCmd,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    SettlementCmd,
    WithdrawalCmd,
)
from services.cases.terms import TermPolicy

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


def _target(request: Request, principal: Principal, ctx: ServiceContext, case_id: str) -> Target:
    permissions.require_reader(principal)
    policy = TermPolicy.from_settings(ctx.settings)
    return Target(case_id, principal, request.headers.get("if-match"), policy)


def _run(
    request: Request,
    principal: Principal,
    ctx: ServiceContext,
    response: Response,
    command: Callable[[UnitOfWork], Any],
) -> tuple[CasePublic, Any]:
    """Run a command in one unit of work; answer the case as the caller sees it, with ETag."""
    with ctx.uow(actor_of(request, principal)) as uow:
        result = command(uow)
        uow.commit()
        case: Case = result[0] if isinstance(result, tuple) else result
        response.headers["ETag"] = etag(case)
        public = queries.case_public(uow.session, principal, case)
        # Keep what the command returned readable after the unit of work closes.
        uow.session.expunge_all()
        return public, result


@router.post("", status_code=201, response_model=CasePublic)
def register_case(
    body: CaseCreate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Register a mediation case in one of the caller's regions (`Idempotency-Key` honoured)."""
    if not principal.has(*permissions.REGISTER_ROLES):
        raise Problem(403, "forbidden", "Only mediators and coordinators register cases.")
    if not principal.in_region(body.region):
        raise Problem(403, "out-of-scope", "The region is outside your scope.")
    key = request.headers.get("idempotency-key")
    for attempt in range(2):
        try:
            with ctx.uow(actor_of(request, principal)) as uow:
                case = register.replayed(uow, key)
                if case is None:
                    case = register.register_case(body, uow, key)
                    uow.commit()
                else:
                    response.status_code = 200
                response.headers["ETag"] = etag(case)
                # The registering user typed the parties in: they see them in this answer.
                return queries.case_public(uow.session, principal, case, personal=True)
        except IntegrityError:
            if not key or attempt:
                raise
    raise AssertionError("unreachable")


def _case_route(
    path: str, action: str, handler: Callable[..., Any], body_type: type | None
) -> None:
    """A POST /{case_id}/<path> route that runs `handler(target, body, uow)`."""
    if body_type is None:

        def route(
            case_id: str,
            request: Request,
            response: Response,
            principal: CurrentPrincipal,
            ctx: ContextDep,
        ) -> CasePublic:
            target = _target(request, principal, ctx, case_id)
            return _run(request, principal, ctx, response, lambda uow: handler(target, uow))[0]

    else:

        def route(
            case_id: str,
            body: body_type,
            request: Request,  # type: ignore[valid-type]
            response: Response,
            principal: CurrentPrincipal,
            ctx: ContextDep,
        ) -> CasePublic:
            target = _target(request, principal, ctx, case_id)
            return _run(request, principal, ctx, response, lambda uow: handler(target, body, uow))[
                0
            ]

        route.__annotations__["body"] = body_type
    route.__name__ = action
    route.__doc__ = handler.__doc__
    router.add_api_route(
        f"/{{case_id}}/{path}", route, methods=["POST"], response_model=CasePublic, name=action
    )


for _path, _action, _handler, _body in (
    ("parties", "add_party", register.add_party, PartyCreate),
    ("refusal", "refuse", register.refuse, Refusal),
    ("assignment", "assign", assign.assign, AssignmentCmd),
    ("reassignment", "reassign", assign.reassign, AssignmentCmd),
    ("declaration", "declare", assign.declare, Declaration),
    ("consents", "record_consent", consent.record_consent, ConsentCmd),
    ("withdrawal", "withdraw_consent", consent.withdraw_consent, WithdrawalCmd),
    ("agreement", "sign_agreement", consent.sign_agreement, AgreementCmd),
    ("extension", "extend", consent.extend, ExtensionCmd),
    ("settlement", "settle", outcome.settle, SettlementCmd),
    ("not-settled", "not_settled", outcome.not_settled, OutcomeCmd),
    ("termination", "terminate", outcome.terminate, OutcomeCmd),
    ("reopening", "reopen", outcome.reopen, ReopenCmd),
    ("closure", "close", compliance.close_case, None),
):
    _case_route(_path, _action, _handler, _body)


@router.post("/{case_id}/sessions", status_code=201, response_model=SessionPublic)
def schedule_session(
    case_id: str,
    body: SessionCreate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Schedule a mediation session."""
    target = _target(request, principal, ctx, case_id)
    _, (_, session) = _run(
        request,
        principal,
        ctx,
        response,
        lambda uow: session_handlers.schedule_session(target, body, uow),
    )
    return queries.session_public(session, notes=True)


@router.patch("/{case_id}/sessions/{session_id}", response_model=SessionPublic)
def update_session(
    case_id: str,
    session_id: str,
    body: SessionUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Record a session held (attendance, notes), postponed or cancelled."""
    target = _target(request, principal, ctx, case_id)
    _, (_, session) = _run(
        request,
        principal,
        ctx,
        response,
        lambda uow: session_handlers.update_session(target, session_id, body, uow),
    )
    return queries.session_public(session, notes=True)


@router.post("/{case_id}/obligations", status_code=201, response_model=ObligationPublic)
def add_obligation(
    case_id: str,
    body: ObligationCreate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Add an obligation of the settlement to follow up."""
    target = _target(request, principal, ctx, case_id)
    with ctx.uow(actor_of(request, principal)) as uow:
        obligation = compliance.add_obligation(target, body, uow)
        uow.commit()
    return ObligationPublic.model_validate(obligation, from_attributes=True)


@router.post("/{case_id}/obligations/{obligation_id}/{verdict}", response_model=CasePublic)
def resolve_obligation(
    case_id: str,
    obligation_id: str,
    verdict: str,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    body: ObligationResolve | None = None,
):
    """Mark an obligation `fulfilled` or `breached`."""
    if verdict not in ("fulfilled", "breached"):
        raise Problem(404, "not-found", "Say fulfilled or breached.")
    target = _target(request, principal, ctx, case_id)
    cmd = body or ObligationResolve()
    return _run(
        request,
        principal,
        ctx,
        response,
        lambda uow: compliance.resolve(target, obligation_id, verdict == "fulfilled", cmd, uow),
    )[0]


@router.post("/{case_id}/escalations", status_code=201, response_model=EscalationPublic)
def escalate_case(
    case_id: str,
    body: EscalationCmd,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Escalate a case to law enforcement (reasoned, with a risk level)."""
    target = _target(request, principal, ctx, case_id)
    _, (_, escalation) = _run(
        request, principal, ctx, response, lambda uow: escalate.escalate(target, body, uow)
    )
    return queries.escalation_public(escalation, reason=True)
