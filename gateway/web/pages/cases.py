"""Mediation cases: the list, registration, and the case page with each step of the procedure."""

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
from gateway.web.labels import CASE_STATUSES, CATEGORIES
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect, required
from kelisim.regions import REGIONS

router = APIRouter(include_in_schema=False)
CASES = "/api/v1/cases"


@router.get("/cases")
async def case_list(
    view: PageView,
    status: str = "",
    category: str = "",
    region: str = "",
    mediator: str = "",
    q: str = "",
    cursor: str = "",
    mine: str = "",
    registered: str = "",
    handed_back: str = "",
) -> Response:
    """The cases the user may read, filtered; a mediator starts with their own."""
    if (
        view.has("mediator")
        and not view.has("coordinator", "admin")
        and "mine" not in view.request.query_params
    ):
        mine = "1"
    filters = {
        "status": status if status in CASE_STATUSES else "",
        "category": category if category in CATEGORIES else "",
        "region": region if region in REGIONS else "",
        "mediator": view.user.username if mine else mediator,
        "q": q,
    }
    page = await view.services.get(CASES, cursor=cursor, limit=25, **filters)
    return view.render(
        "cases/list.html",
        page=page,
        filters=filters,
        mine=mine,
        registered=registered[:40],
        handed_back=handed_back[:40],
    )


# The API takes up to 50 parties; the form starts with two and adds one per "Add a party".
MIN_PARTIES, MAX_PARTIES = 2, 50
PARTY_FIELDS = ("name", "kind", "phone", "email", "address", "language")


def _party_count(view: View) -> int:
    """How many party blocks the form shows: as many as were sent, one more when asked."""
    sent = view.field("party_count")
    count = int(sent) if sent.isdigit() else MIN_PARTIES
    if view.field("add_party"):
        count += 1
    return max(MIN_PARTIES, min(count, MAX_PARTIES))


def _new_form(view: View, errors: FormErrors | None = None, status: int = 200) -> Response:
    count = _party_count(view)
    return view.render(
        "cases/new.html", status=status, errors=errors, party_count=count, max_parties=MAX_PARTIES
    )


@router.get("/cases/new")
async def new_case(view: PageView) -> Response:
    """The registration form of a case."""
    return _new_form(view)


def _party(view: View, prefix: str) -> dict[str, Any]:
    """The party typed into the fields named `<prefix><field>` (cases/_party.html)."""
    return {
        "kind": view.field(f"{prefix}kind", "person"),
        "name": view.field(f"{prefix}name").strip(),
        "phone": view.field(f"{prefix}phone").strip() or None,
        "email": view.field(f"{prefix}email").strip() or None,
        "address": view.field(f"{prefix}address").strip() or None,
        "language": view.field(f"{prefix}language", "kk"),
        "state_body": view.field(f"{prefix}state_body") == "on",
        "found_incapable": view.field(f"{prefix}found_incapable") == "on",
    }


def _parties(view: View) -> list[tuple[int, dict[str, Any]]]:
    """(form block number, party) of every block with a name, in order."""
    numbered = [(n, _party(view, f"party{n}_")) for n in range(1, _party_count(view) + 1)]
    return [(n, party) for n, party in numbered if party["name"]]


def _party_aliases(loc: str, prefix: str) -> dict[str, str]:
    """The API's errors of the party at `loc` shown next to the fields named `<prefix><field>`."""
    aliases = {loc or "_": f"{prefix}kind"}  # a rule across fields (kind and flags)
    for field in (*PARTY_FIELDS, "state_body", "found_incapable"):
        aliases[f"{loc}.{field}" if loc else field] = f"{prefix}{field}"
    return aliases


def _parties_aliases(numbered: list[tuple[int, dict[str, Any]]]) -> dict[str, str]:
    """The API's `parties.<i>.<field>` errors shown next to the form block they came from."""
    aliases = {}
    for i, (n, _typed) in enumerate(numbered):
        aliases.update(_party_aliases(f"parties.{i}", f"party{n}_"))
    return aliases


@router.post("/cases/new")
async def register_case(view: FormView) -> Response:
    """Register a case with its parties; errors come back next to the fields."""
    if view.field("add_party"):
        return _new_form(view)  # one more party block, nothing registered yet
    errors = required(view, "region", "category", "party1_name")
    if errors:
        return _new_form(view, errors, 422)
    numbered = _parties(view)
    body = {
        "region": view.field("region"),
        "category": view.field("category"),
        "channel": view.field("channel", "walk_in"),
        "description": view.field("description"),
        "corruption_offence": view.field("corruption_offence") == "on",
        "parties": [party for _n, party in numbered],
    }
    try:
        case = await view.services.post(CASES, body)
    except ServiceError as error:
        return _new_form(view, form_errors(view, error, _parties_aliases(numbered)), error.status)
    if view.has("coordinator", "admin"):
        return redirect(f"/cases/{case['id']}")
    # A mediator reads only the cases assigned to them: the coordinator assigns this one.
    return redirect(f"/cases?registered={case['number']}")


async def _case_page(
    view: View,
    case_id: str,
    errors: dict[str, FormErrors] | None = None,
    status: int = 200,
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
    "add_party": (("party_name",), "parties", lambda v, c: _party(v, "party_")),
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
ACTION_ALIASES = {"add_party": _party_aliases("", "party_")}


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
        return await _case_page(
            view, case_id, {action: form_errors(view, error, aliases)}, error.status
        )
    if action == "declare" and body["conflict"]:
        # The case went back to the coordinator, and its page is no longer the mediator's.
        return redirect(f"/cases?{urlencode({'handed_back': case['number']})}")
    return redirect(f"/cases/{case_id}")


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
