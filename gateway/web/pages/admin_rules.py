"""Administration of notification rules: which event tells whom, by which channels."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.labels import RULE_SCOPES, TOPICS
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect

router = APIRouter(include_in_schema=False)
RULES = "/api/v1/notifications/rules"
MEDIATOR = "mediator-of-case"  # the form's value for "the case's own mediator"
AUTHOR = "author-of-note"  # the form's value for "the practice note's author"
# The form's values for one person the event names, and the rule's audience for each.
PERSONS = {MEDIATOR: "mediator", AUTHOR: "author"}


async def _page(view: View, errors: FormErrors | None = None, status: int = 200) -> Response:
    rules = await view.services.items(RULES)
    rules.sort(key=lambda r: (r["subject"], r.get("role") or "", r["id"]))
    return view.render("admin/rules.html", status=status, rules=rules, errors=errors)


@router.get("/admin/rules")
async def rule_list(view: PageView) -> Response:
    """The notification rules and a form for a new one."""
    return await _page(view)


@router.post("/admin/rules")
async def create_rule(view: FormView) -> Response:
    """Add a rule; a refusal comes back next to the fields."""
    subject, audience = view.field("subject"), view.field("audience")
    body: dict[str, Any] = {
        "subject": subject if subject in TOPICS else "",
        "audience": PERSONS.get(audience, "role"),
        "role": None if audience in PERSONS else audience,
        "scope": view.field("scope") if view.field("scope") in RULE_SCOPES else "region",
        "in_app": view.field("in_app") == "on",
        "email": view.field("email") == "on",
    }
    try:
        await view.services.post(RULES, body)
    except ServiceError as error:
        return await _page(view, form_errors(view, error), error.status)
    return redirect("/admin/rules")


@router.post("/admin/rules/{rule_id}/{switch}")
async def switch_rule(rule_id: str, switch: str, view: FormView) -> Response:
    """Turn a rule on or off (it is kept, so turning it back on restores it)."""
    if switch not in ("enable", "disable"):
        raise ServiceError(404, "not-found")
    body = {"enabled": switch == "enable"}
    try:
        await view.services.call("PATCH", f"{RULES}/{rule_id}", json=body)
    except ServiceError as error:
        return await _page(view, form_errors(view, error), error.status)
    return redirect("/admin/rules")
