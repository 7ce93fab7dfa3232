"""Importing past monthly counts from a CSV file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.pages.analytics.common import API, _allow, _message, _render
from gateway.web.view import FormErrors, FormView, PageView, View, required

router = APIRouter(include_in_schema=False)

# A bad row of a history file, by the stable code the service gives it.
ROW_ERRORS = {
    "unknown-region": N_("Unknown region: %(value)s"),
    "out-of-scope": N_("Region %(value)s is outside your regions"),
    "unknown-category": N_("Unknown category: %(value)s"),
    "bad-month": N_("Month %(value)s is not YYYY-MM"),
    "month-out-of-range": N_("Month %(value)s is before 1991 or still to come"),
    "bad-count": N_("Count %(value)s is not a whole number from 0 to 9999999"),
    "duplicate-row": N_("The same region, category and month appear twice"),
}


def _row_error(view: View, error: dict[str, Any]) -> str:
    """One bad row of a history file, explained in the user's language (as sent if unknown)."""
    message = ROW_ERRORS.get(str(error.get("code")))
    if message is None:
        return str(error.get("error", ""))
    return view.translate(message) % {"value": repr(str(error.get("value", "")))}


HISTORY_COLUMNS = (
    ("region", N_("the region's ISO 3166-2:KZ code, e.g. KZ-75")),
    ("category", N_("one of these codes:")),
    ("month", N_("YYYY-MM, from 1991 up to this month")),
    ("count", N_("cases registered that month, a whole number from 0")),
)


def _history_page(view: View, status: int = 200, **context: Any) -> Response:
    return _render(
        view,
        "analytics/history.html",
        status=status,
        columns=HISTORY_COLUMNS,
        **context,
    )


@router.get("/analytics/history")
async def history_form(view: PageView) -> Response:
    """The form to import past monthly counts from a CSV file."""
    _allow(view, "analyst")
    return _history_page(view)


@router.post("/analytics/history")
async def history_upload(view: FormView) -> Response:
    """Send the file as it is; show what was imported, or every bad row and why."""
    _allow(view, "analyst")
    assert view.form is not None
    upload = view.form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _history_page(view, 422, errors=required(view, "file"))
    content = await upload.read()
    try:
        result = await view.services.call(
            "POST", f"{API}/history", content=content, headers={"content-type": "text/csv"}
        )
    except ServiceError as error:
        rows = [
            {"line": e.get("line"), "error": _row_error(view, e)}
            for e in error.errors
            if isinstance(e, dict) and "line" in e
        ]
        errors = FormErrors(general=_message(view, error))
        return _history_page(view, error.status, errors=errors, rows=rows, filename=upload.filename)
    return _history_page(view, result=result, filename=upload.filename)
