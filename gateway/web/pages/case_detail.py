"""One mediation case: its page (cases/detail.html) and each step of the procedure from it."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from gateway.web import refusals
from gateway.web.client import ServiceError
from gateway.web.i18n import local_to_utc
from gateway.web.pages.cases import CASES, party_aliases, typed_party
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect, required

router = APIRouter(include_in_schema=False)


async def _case_page(
    view: View,
    case_id: str,
    errors: dict[str, FormErrors] | None = None,
    status: int = 200,
    findings: list[dict[str, str]] | None = None,
    raised: dict[str, Any] | None = None,
) -> Response:
    base = f"{CASES}/{case_id}"
    case = await view.services.get(base)
    sessions, obligations, escalations, timeline = await asyncio.gather(
        view.services.items(f"{base}/sessions"),
        view.services.items(f"{base}/obligations"),
        view.services.items(f"{base}/escalations"),
        view.services.items(f"{base}/timeline"),
    )
    steps = [e for e in timeline if e.get("kind") == "audit"]
    # Not offered: a mediator who declared a conflict of interest in this case (the service
    # refuses them; the declarations' details are the coordinator's to read).
    conflicted = {
        (e.get("details") or {}).get("mediator")
        for e in steps
        if e.get("action") == "case.declare" and (e.get("details") or {}).get("conflict") is True
    }
    mediators = (
        [name for name in view.mediators_of(case["region"]) if name not in conflicted]
        if view.has("coordinator")
        else []
    )
    # Earlier cases of the same parties: only for those who see the parties (issue 17.6).
    earlier = await view.services.items(f"{base}/earlier-cases") if case["personal_data"] else []
    # The agreement the parties signed, for those who may read it (terms and signatures).
    settled = case["status"] in ("settled", "closed") and case["personal_data"]
    settlement = await view.services.maybe(f"{base}/settlement") if settled else None
    return view.render(
        "cases/detail.html",
        earlier=earlier,
        settlement=settlement,
        party_names={p["id"]: p["name"] for p in case.get("parties") or []},
        status=status,
        case=case,
        sessions=sessions,
        obligations=obligations,
        escalations=escalations,
        timeline=steps,
        errors=errors or {},
        findings=findings or [],
        raised=raised,
        mediators=mediators,
        is_mine=case.get("mediator") == view.user.username,
    )


@router.get("/cases/{case_id}")
async def case_page(case_id: str, view: PageView) -> Response:
    """One case: its card, parties and consents, sessions, outcome, compliance and timeline."""
    return await _case_page(view, case_id)


def _session_body(view: View) -> dict[str, Any]:
    scheduled_at = local_to_utc(view.field("date"), view.field("time"))
    return {"scheduled_at": scheduled_at, "place": view.field("place")}


async def _settlement_body(view: View, case: dict[str, Any]) -> tuple[dict[str, Any], FormErrors]:
    """The settlement as the API takes it: the signatures as ticked, the uploaded signed scan."""
    assert view.form is not None
    upload = view.form.get("document")
    scan = upload if isinstance(upload, UploadFile) and upload.filename else None
    content = await scan.read() if scan else b""  # an empty file is no document either
    errors = required(view, "terms", "signed_on", *(() if content else ("document",)))
    signed_on = view.field("signed_on")
    body: dict[str, Any] = {
        "terms": view.field("terms"),
        "signed_on": signed_on,
        "signatures": [  # a date left empty is the agreement's
            {
                "party_id": p["id"],
                "signed_on": view.field(f"party_{p['id']}_signed_on") or signed_on,
            }
            for p in case.get("parties") or []
            if view.field(f"party_{p['id']}_signed") == "on"
        ],
        "obligations": [],
    }
    if scan and content:
        body["document_base64"] = base64.b64encode(content).decode()
        body["document_name"] = scan.filename
        body["media_type"] = scan.content_type or "application/octet-stream"
    if view.field("obligation").strip():
        body["obligations"].append(
            {"description": view.field("obligation"), "due_on": view.field("due_on")}
        )
    return body, errors


# A settlement's date refusals -> the field of the problem naming the date it must not precede.
FLOORS = {
    "settled-before-agreement": "agreement_signed_on",
    "settled-before-last-settlement": "last_settled_on",
    "settled-before-reopening": "reopened_on",
}


def _settlement_errors(
    view: View, error: ServiceError, case: dict[str, Any], body: dict[str, Any]
) -> FormErrors:
    """The API's refusal next to the fields: each signature's date, and who has not signed."""
    aliases = {
        **ALIASES,
        "document_base64": "document",
        "document_name": "document",
        "media_type": "document",
    }
    for i, signature in enumerate(body["signatures"]):
        aliases[f"signatures.{i}.signed_on"] = f"party_{signature['party_id']}_signed_on"
    errors = form_errors(view, error, aliases)
    unsigned = error.body.get("parties") if error.kind == "signature-missing" else None
    if errors.fields.pop("signatures", None) is not None:  # none ticked: every party is marked
        unsigned = [p["id"] for p in case.get("parties") or []]
    if unsigned:
        message = view.translate(refusals.PROBLEMS["signature-missing"])
        errors.general = errors.general if errors.fields else message
        for party in unsigned:
            errors.fields[f"party_{party}_signed"] = message
    if error.kind in FLOORS:
        # beside each date before the agreement's, the replaced settlement's or the reopening's
        floor, message = str(error.body.get(FLOORS[error.kind]) or ""), errors.general or ""
        if error.kind == "settled-before-reopening":  # the day itself, and why it is the floor
            message = view.translate(refusals.SETTLED_BEFORE_REOPENING_ON) % {
                "day": view.fmt.date(floor)
            }
        if body["signed_on"] < floor:
            errors.fields["signed_on"] = message
        for party in error.body.get("parties") or []:
            errors.fields[f"party_{party}_signed_on"] = message
    return errors


# action -> (required fields, path under the case, body builder)
ACTIONS: dict[str, tuple[tuple[str, ...], str, Callable[[View, dict[str, Any]], Any]]] = {
    "assign": (("mediator",), "assignment", lambda v, c: {"mediator": v.field("mediator")}),
    "reassign": (
        ("mediator",),
        "reassignment",
        lambda v, c: {"mediator": v.field("mediator"), "reason": v.field("reason") or None},
    ),
    "declare": (
        ("conflict",),
        "declaration",
        lambda v, c: {
            "conflict": v.field("conflict") == "yes",
            "reason": v.field("reason") or None,
        },
    ),
    "consent": (
        ("party_id", "given_on"),
        "consents",
        lambda v, c: {
            "party_id": v.field("party_id"),
            "form": v.field("form", "written"),
            "given_on": v.field("given_on"),
        },
    ),
    "agreement": (("signed_on",), "agreement", lambda v, c: {"signed_on": v.field("signed_on")}),
    "withdraw": (
        ("party_id",),
        "withdrawal",
        lambda v, c: {"party_id": v.field("party_id"), "reason": v.field("reason") or None},
    ),
    "session": (("date", "place"), "sessions", lambda v, c: _session_body(v)),
    "not_settled": (("reason",), "not-settled", lambda v, c: {"reason": v.field("reason")}),
    "refuse": (
        ("reason", "note"),
        "refusal",
        lambda v, c: {"reason": v.field("reason"), "note": v.field("note")},
    ),
    "escalate": (
        ("reason", "summary"),
        "escalations",
        lambda v, c: {
            "reason": v.field("reason"),
            "summary": v.field("summary"),
            "risk_of": v.field("risk_of", "interethnic"),
            "risk_level": v.field("risk_level", "medium"),
        },
    ),
    "add_party": (("party_name",), "parties", lambda v, c: typed_party(v, "party_")),
    "close": ((), "closure", lambda v, c: None),
    "extend": (("reason", "given_on"), "extension", lambda v, c: _extension_body(v, c)),
    "terminate": (("reason",), "termination", lambda v, c: {"reason": v.field("reason")}),
    "reopen": (("reason",), "reopening", lambda v, c: {"reason": v.field("reason")}),
}


def _extension_body(view: View, case: dict[str, Any]) -> dict[str, Any]:
    """The one extension of the term needs every party's consent again."""
    given_on = view.field("given_on")
    consents = [
        {"party_id": p["id"], "form": view.field("form", "written"), "given_on": given_on}
        for p in case.get("parties") or []
    ]
    return {"reason": view.field("reason"), "consents": consents}


ALIASES = {
    "consents": "given_on",
    "scheduled_at": "date",
    "obligations.0.due_on": "due_on",
    "obligations.0.description": "obligation",
}

# A step's own fields, where the API's names are not the form's.
ACTION_ALIASES = {"add_party": party_aliases("", "party_")}
# A refusal of a step's one date (in the future, before the consents) is said beside that
# date too, not only above the page.
DATE_REFUSALS = frozenset(
    {"date-in-future", "signed-before-consent", "extension-consent-before-agreement"}
)
DATE_FIELDS = {"consent": "given_on", "agreement": "signed_on", "extend": "given_on"}


@router.post("/cases/{case_id}/do/settle")
async def settle_case(case_id: str, view: FormView) -> Response:
    """Record the settlement agreement: every party's signature and the signed scan."""
    case = await view.services.get(f"{CASES}/{case_id}")
    body, errors = await _settlement_body(view, case)
    if errors:
        return await _case_page(view, case_id, {"settle": errors}, 422)
    try:
        await view.services.post(f"{CASES}/{case_id}/settlement", body)
    except ServiceError as error:
        errors = _settlement_errors(view, error, case, body)
        return await _case_page(view, case_id, {"settle": errors}, error.status)
    return redirect(f"/cases/{case_id}")


@router.post("/cases/{case_id}/do/{action}")
async def case_action(case_id: str, action: str, view: FormView) -> Response:
    """Take one step of the procedure; a refusal shows the case again with the reasons."""
    if action not in ACTIONS:
        return await _case_page(view, case_id, status=404)
    fields, path, build = ACTIONS[action]
    errors = required(view, *fields)
    if errors:
        return await _case_page(view, case_id, {action: errors}, 422)
    case = await view.services.get(f"{CASES}/{case_id}")
    body = build(view, case)
    try:
        await view.services.post(f"{CASES}/{case_id}/{path}", body)
    except ServiceError as error:
        aliases = {**ALIASES, **ACTION_ALIASES.get(action, {})}
        errors = form_errors(view, error, aliases)
        if error.kind in DATE_REFUSALS and action in DATE_FIELDS:
            errors.fields[DATE_FIELDS[action]] = errors.general or ""
        findings = _summary_findings(view, error) if action == "escalate" else []
        # The same escalation raised before: its time and reference, and a link to it.
        raised = error.body if error.kind == "escalation-already-raised" else None
        if raised:
            errors.fields["summary"] = errors.general or ""
        return await _case_page(view, case_id, {action: errors}, error.status, findings, raised)
    if action == "declare" and body["conflict"]:
        # The case went back to the coordinator, and its page is no longer the mediator's.
        return redirect(f"/cases?{urlencode({'handed_back': case['number']})}")
    return redirect(f"/cases/{case_id}")


def _summary_findings(view: View, error: ServiceError) -> list[dict[str, str]]:
    """The words an escalation's summary was refused for, each with its kind. The service
    names kinds and positions only; the words are quoted from what the mediator typed, and
    shown back to them alone."""
    found = error.body.get("findings") if error.kind == "personal-data-in-summary" else None
    summary = view.field("summary")
    return [
        {"text": summary[f["start"] : f["end"]], "kind": str(f.get("kind", ""))}
        for f in (found if isinstance(found, list) else [])
        if isinstance(f, dict)
        and isinstance(f.get("start"), int)
        and isinstance(f.get("end"), int)
        and 0 <= f["start"] < f["end"] <= len(summary)
    ]


# A session's outcome -> the fields the form must have for it.
SESSION_OUTCOMES = {"held": (), "postponed": ("date",), "cancelled": ("reason",)}


@router.post("/cases/{case_id}/sessions/{session_id}/record")
async def record_session(case_id: str, session_id: str, view: FormView) -> Response:
    """Record a scheduled session as held (who attended, notes), postponed to a new date or
    cancelled (why)."""
    key = f"record:{session_id}"
    outcome = view.field("outcome")
    errors = required(view, "outcome", *SESSION_OUTCOMES.get(outcome, ()))
    if errors:
        return await _case_page(view, case_id, {key: errors}, 422)
    body: dict[str, Any] = {"status": outcome, "reason": view.field("reason") or None}
    if outcome == "held":
        assert view.form is not None
        body["attendance"] = [a for a in view.form.getlist("attendance") if isinstance(a, str)]
        body["notes"] = view.field("notes") or None
    elif outcome == "postponed":
        body["scheduled_at"] = local_to_utc(view.field("date"), view.field("time"))
    try:
        await view.services.call("PATCH", f"{CASES}/{case_id}/sessions/{session_id}", json=body)
    except ServiceError as error:
        aliases = {**ALIASES, "status": "outcome"}
        return await _case_page(
            view, case_id, {key: form_errors(view, error, aliases)}, error.status
        )
    return redirect(f"/cases/{case_id}")


@router.post("/cases/{case_id}/obligations/{obligation_id}/resolve")
async def resolve_obligation(case_id: str, obligation_id: str, view: FormView) -> Response:
    """Mark an obligation of the settlement fulfilled or breached, as chosen and confirmed in
    its form (a verdict cannot be changed), with an optional note."""
    key = f"obligation:{obligation_id}"
    verdict = view.field("verdict")
    errors = required(view, "verdict")
    if verdict and verdict not in ("fulfilled", "breached"):
        errors.fields["verdict"] = view.translate(refusals.GENERIC_INVALID)
        errors.general = view.translate(refusals.PROBLEMS["validation-error"])
    if errors:
        return await _case_page(view, case_id, {key: errors}, 422)
    body = {"note": view.field("note").strip() or None}
    try:
        await view.services.post(f"{CASES}/{case_id}/obligations/{obligation_id}/{verdict}", body)
    except ServiceError as error:
        return await _case_page(view, case_id, {key: form_errors(view, error)}, error.status)
    return redirect(f"/cases/{case_id}")
