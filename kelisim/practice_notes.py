"""Drafting a practice note where its source lives: the shapes, the states and the check.

The cases service (from a closed case) and the councils service (from an implemented
recommendation) both let their staff draft a note, edit it, and submit it. Submission runs
`require_anonymous` against the source's identifying facts; only a note that passes leaves the
service, as a `*.practice_note.submitted` event (kelisim.events.practice). The library's review
comes back as `analytics.practice_note.reviewed` and `review_outcome` says what it does.

States: draft → submitted → published | returned; a returned note is edited and submitted
again as the next revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from kelisim.anonymity import Identifying, check
from kelisim.events.practice import NoteLanguage, NoteText, PracticeNoteReviewed
from kelisim.inputs import Input
from kelisim.problems import Problem

DRAFT = "draft"
SUBMITTED = "submitted"
PUBLISHED = "published"
RETURNED = "returned"
STATUSES = (DRAFT, SUBMITTED, PUBLISHED, RETURNED)
# Which actions a note's status allows: its author edits and submits a draft or a returned note.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "edit": frozenset({DRAFT, RETURNED}),
    "submit": frozenset({DRAFT, RETURNED}),
}
TEXT_FIELDS = ("title", "conflict", "tried", "worked", "did_not_work")
# The library's categories: the kinds of conflict a mediation case is registered under.
NoteCategory = Literal[
    "interethnic", "interfaith", "community", "family", "labour", "land", "neighbour", "other"
]


class NoteTextInput(Input):
    """One language's text of a note, as its author types it."""

    title: str = Field(min_length=1, max_length=200)
    conflict: str = Field(min_length=1, max_length=4000)
    tried: str = Field(min_length=1, max_length=8000)
    worked: str = Field(default="", max_length=8000)
    did_not_work: str = Field(default="", max_length=8000)


class NoteTexts(Input):
    """The language a note is written in, and its text in that language plus any translations."""

    language: NoteLanguage
    texts: dict[NoteLanguage, NoteTextInput] = Field(min_length=1, max_length=3)

    @model_validator(mode="after")
    def _original_present(self) -> NoteTexts:
        if self.language not in self.texts:
            raise ValueError("the text in the note's own language is required")
        return self


class NotePublicFields(BaseModel):
    """A note as its readers see it, without its source (each service adds its own)."""

    id: str
    status: str
    revision: int
    region: str
    category: str
    outcome: str
    language: str
    texts: dict[str, NoteTextInput]
    remark: str
    author: str
    author_role: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    version: int


def require_status(action: str, status: str) -> None:
    """409 `invalid-transition` when a note's status does not allow the action."""
    if status not in ALLOWED_FROM[action]:
        raise Problem(
            409,
            "invalid-transition",
            f"'{action}' is not allowed while the note is {status}.",
            action=action,
            note_status=status,
            allowed_from=sorted(ALLOWED_FROM[action]),
        )


def findings(texts: Mapping[str, Mapping[str, str]], facts: Identifying) -> list[dict[str, Any]]:
    """Every identifying word of a note's texts: its field, language, kind, words, position."""
    found: list[dict[str, Any]] = []
    for language, text in texts.items():
        for field in TEXT_FIELDS:
            for item in check(text.get(field, ""), facts):
                found.append(
                    {
                        "language": language,
                        "field": field,
                        "kind": item.kind,
                        "text": item.text,
                        "start": item.start,
                        "end": item.end,
                    }
                )
    return found


def require_anonymous(texts: Mapping[str, Mapping[str, str]], facts: Identifying) -> None:
    """422 `not-anonymous`, naming each offending word, when a text identifies someone or its
    source."""
    if found := findings(texts, facts):
        words = ", ".join(sorted({f["text"] for f in found}))
        raise Problem(
            422,
            "not-anonymous",
            f"The note identifies a person or its source; rephrase these words: {words}.",
            findings=found,
        )


def event_texts(texts: Mapping[str, Mapping[str, str]]) -> dict[NoteLanguage, NoteText]:
    """A note's stored texts in the event's shape."""
    return {lang: NoteText(**text) for lang, text in texts.items()}  # type: ignore[misc]


def review_outcome(status: str, revision: int, data: PracticeNoteReviewed) -> str | None:
    """The status a review gives a note, or None when it is stale (another revision) or a repeat."""
    if status != SUBMITTED or revision != data.revision:
        return None
    return PUBLISHED if data.decision == "approved" else RETURNED
