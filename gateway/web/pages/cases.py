"""Mediation cases: the list and registration (the case page and its steps: `case_detail`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.labels import CASE_STATUSES, CATEGORIES
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect, required
from kelisim.regions import REGIONS

router = APIRouter(include_in_schema=False)
CASES = "/api/v1/cases"
# The list's status filter also offers every open and every closed case (the API's `active`).
OPEN_OR_CLOSED = {"open": "true", "closed": "false"}


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
        "status": status if status in CASE_STATUSES or status in OPEN_OR_CLOSED else "",
        "category": category if category in CATEGORIES else "",
        "region": region if region in REGIONS else "",
        "mediator": view.user.username if mine else mediator,
        "q": q,
    }
    chosen = filters["status"]
    state = {"status": "", "active": OPEN_OR_CLOSED[chosen]} if chosen in OPEN_OR_CLOSED else {}
    page = await view.services.get(CASES, cursor=cursor, limit=25, **{**filters, **state})
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


def typed_party(view: View, prefix: str) -> dict[str, Any]:
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
    numbered = [(n, typed_party(view, f"party{n}_")) for n in range(1, _party_count(view) + 1)]
    return [(n, party) for n, party in numbered if party["name"]]


def party_aliases(loc: str, prefix: str) -> dict[str, str]:
    """The API's errors of the party at `loc` shown next to the fields named `<prefix><field>`."""
    aliases = {loc or "_": f"{prefix}kind"}  # a rule across fields (kind and flags)
    for field in (*PARTY_FIELDS, "state_body", "found_incapable"):
        aliases[f"{loc}.{field}" if loc else field] = f"{prefix}{field}"
    return aliases


def _parties_aliases(numbered: list[tuple[int, dict[str, Any]]]) -> dict[str, str]:
    """The API's `parties.<i>.<field>` errors shown next to the form block they came from."""
    aliases = {}
    for i, (n, _typed) in enumerate(numbered):
        aliases.update(party_aliases(f"parties.{i}", f"party{n}_"))
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
