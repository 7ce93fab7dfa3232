"""Practice notes where they are drafted: from a closed case (cases) or an implemented
recommendation (councils); the author's list, the form with optional translations, submission.

A refused submission shows each word that identifies the source, with its field and language.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect

router = APIRouter(include_in_schema=False)
# Where each source keeps its notes, and the page of the record a note is drafted from.
SOURCES = {"cases": "/api/v1/cases", "councils": "/api/v1/councils"}
AUTHORS = {"cases": ("mediator", "coordinator"), "councils": ("council_secretary",)}
LANGUAGES = {"kk": N_("Kazakh"), "ru": N_("Russian"), "en": N_("English")}
FIELDS = {
    "title": N_("Title"),
    "conflict": N_("The kind of conflict, in general terms"),
    "tried": N_("What was tried"),
    "worked": N_("What worked"),
    "did_not_work": N_("What did not work"),
}
REQUIRED = ("title", "conflict", "tried")
NOTE_LABELS = {"LANGUAGES": LANGUAGES, "FIELDS": FIELDS}


def _body(view: View, source: str) -> dict[str, Any]:
    """The note from the form: the original language always, a translation when it has text."""
    language = view.field("language", "kk")
    texts = {}
    for lang in LANGUAGES:
        text = {f: view.field(f"{f}_{lang}").strip() for f in FIELDS}
        if lang == language or any(text.values()):
            texts[lang] = text
    body: dict[str, Any] = {"language": language, "texts": texts}
    if view.field("category"):
        body["category"] = view.field("category")
    if source == "councils":
        # The private persons the item concerns, one per line: the check looks for them.
        body["persons"] = [p.strip() for p in view.field("persons").splitlines() if p.strip()]
    return body


def _missing(view: View) -> FormErrors:
    errors = FormErrors()
    language = view.field("language", "kk")
    for lang in LANGUAGES:
        filled = any(view.field(f"{f}_{lang}").strip() for f in FIELDS)
        if lang == language or filled:
            for f in REQUIRED:
                if not view.field(f"{f}_{lang}").strip():
                    errors.fields[f"{f}_{lang}"] = view.translate(N_("Fill this in."))
    if errors.fields:
        errors.general = view.translate(N_("Check the fields marked below."))
    return errors


def _errors(view: View, error: ServiceError) -> FormErrors:
    aliases = {f"texts.{lang}.{f}": f"{f}_{lang}" for lang in LANGUAGES for f in FIELDS}
    return form_errors(view, error, aliases)


def _form(
    view: View,
    *,
    source: str,
    action: str,
    note: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    findings: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    values: dict[str, str] = {}
    if note is not None:
        values["language"] = note["language"]
        values["category"] = note.get("category", "")
        values["persons"] = "\n".join((note.get("source") or {}).get("persons", []))
        for lang, text in note["texts"].items():
            values.update({f"{f}_{lang}": text.get(f, "") for f in FIELDS})
    if view.request.method == "POST":
        values = {**values, **{k: str(v) for k, v in view.form.items()}}  # what was typed
    return view.render(
        "practice/form.html",
        status=status,
        source=source,
        action=action,
        note=note,
        values=values,
        errors=errors,
        findings=findings or [],
        notes=NOTE_LABELS,
    )


def _known(source: str) -> None:
    if source not in SOURCES:
        raise ServiceError(404, "not-found")


@router.get("/practice-notes")
async def my_notes(view: PageView) -> Response:
    """The user's own practice notes, with their status and any reviewer's remark."""
    notes: list[dict[str, Any]] = []
    for source, base in SOURCES.items():
        if view.has(*AUTHORS[source]):
            found = await view.services.items(f"{base}/practice-notes")
            notes += [{**n, "source_service": source} for n in found]
    notes.sort(key=lambda n: n["updated_at"], reverse=True)
    return view.render("practice/list.html", items=notes, notes=NOTE_LABELS)


@router.get("/cases/{case_id}/practice-notes/new")
async def new_case_note(case_id: str, view: PageView) -> Response:
    """The form of a practice note drafted from a closed case."""
    return _form(view, source="cases", action=f"/cases/{case_id}/practice-notes/new")


@router.post("/cases/{case_id}/practice-notes/new")
async def draft_case_note(case_id: str, view: FormView) -> Response:
    """Save a new draft from a closed case; errors come back next to the fields."""
    action = f"/cases/{case_id}/practice-notes/new"
    errors = _missing(view)
    if errors:
        return _form(view, source="cases", action=action, errors=errors, status=422)
    try:
        note = await view.services.post(
            f"{SOURCES['cases']}/{case_id}/practice-notes", _body(view, "cases")
        )
    except ServiceError as error:
        return _form(
            view, source="cases", action=action, errors=_errors(view, error), status=error.status
        )
    return redirect(f"/practice-notes/cases/{note['id']}")


@router.get("/councils/recommendations/{rec_id}/practice-notes/new")
async def new_council_note(rec_id: str, view: PageView) -> Response:
    """The form of a practice note drafted from an implemented recommendation."""
    action = f"/councils/recommendations/{rec_id}/practice-notes/new"
    return _form(view, source="councils", action=action)


@router.post("/councils/recommendations/{rec_id}/practice-notes/new")
async def draft_council_note(rec_id: str, view: FormView) -> Response:
    """Save a new draft from an implemented recommendation, with the persons it concerns."""
    action = f"/councils/recommendations/{rec_id}/practice-notes/new"
    errors = _missing(view)
    if not view.field("category"):
        errors.fields["category"] = view.translate(N_("Fill this in."))
        errors.general = view.translate(N_("Check the fields marked below."))
    if errors:
        return _form(view, source="councils", action=action, errors=errors, status=422)
    try:
        note = await view.services.post(
            f"{SOURCES['councils']}/recommendations/{rec_id}/practice-notes",
            _body(view, "councils"),
        )
    except ServiceError as error:
        errors = _errors(view, error)
        return _form(view, source="councils", action=action, errors=errors, status=error.status)
    return redirect(f"/practice-notes/councils/{note['id']}")


@router.get("/practice-notes/{source}/{note_id}")
async def note_page(source: str, note_id: str, view: PageView) -> Response:
    """One note: the form while it is a draft or returned, its text otherwise."""
    _known(source)
    note = await view.services.get(f"{SOURCES[source]}/practice-notes/{note_id}")
    return _form(view, source=source, action=f"/practice-notes/{source}/{note_id}", note=note)


@router.post("/practice-notes/{source}/{note_id}")
async def save_note(source: str, note_id: str, view: FormView) -> Response:
    """Save the note and, when asked, submit it; a refusal names the words to rephrase."""
    _known(source)
    path = f"{SOURCES[source]}/practice-notes/{note_id}"
    action = f"/practice-notes/{source}/{note_id}"
    note = await view.services.get(path)
    errors = _missing(view)
    if errors:
        return _form(view, source=source, action=action, note=note, errors=errors, status=422)
    try:
        note = await view.services.call("PATCH", path, json=_body(view, source))
        if view.field("then") == "submit":
            await view.services.post(f"{path}/submission")
    except ServiceError as error:
        findings = error.body.get("findings") if error.kind == "not-anonymous" else None
        return _form(
            view,
            source=source,
            action=action,
            note=note,
            errors=_errors(view, error),
            findings=findings if isinstance(findings, list) else [],
            status=error.status,
        )
    return redirect(action)
