"""Event schemas of the library of practice: anonymised notes that travel between regions.

A note is drafted and checked where its source lives (the cases service for a closed case, the
councils service for an implemented recommendation); only its checked text leaves that service,
as `cases.practice_note.submitted` or `councils.practice_note.submitted`. The library reviews,
publishes and ranks it, and tells the source how the review went (`analytics.practice_note.*`);
the source then tells the note's author (`*.practice_note.published` / `returned`).
No payload here carries a case number, a case reference, a recommendation id or a party; the
author's username (staff) is named only where the author is told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kelisim.events.envelope import EventData, event_schema

NoteLanguage = Literal["kk", "ru", "en"]
SourceKind = Literal["case", "recommendation"]
NoteOutcome = Literal[
    # from a closed mediation case
    "settled",
    "not_settled",
    "terminated",
    # from a council recommendation that was implemented
    "implemented_on_time",
    "implemented_late",
]


class NoteText(BaseModel):
    """One language's text of a practice note (every field already checked at the source)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200)
    conflict: str = Field(
        min_length=1, max_length=4000, description="the kind of conflict, in general terms"
    )
    tried: str = Field(min_length=1, max_length=8000, description="what was tried")
    worked: str = Field(default="", max_length=8000, description="what worked")
    did_not_work: str = Field(default="", max_length=8000, description="what did not work")


class _Submitted(EventData):
    note_id: str = Field(description="opaque id of the note, never the source's id or number")
    revision: int = Field(ge=1, description="1 on first submission, +1 on each resubmission")
    region: str
    category: str
    outcome: NoteOutcome
    language: NoteLanguage = Field(description="the language the note was written in")
    texts: dict[NoteLanguage, NoteText] = Field(description="the original and any translations")
    author_role: str = Field(description="mediator, coordinator or council_secretary; never a name")
    submitted_at: datetime


@event_schema("cases.practice_note.submitted")
class CasePracticeNoteSubmitted(_Submitted):
    """A practice note from a closed mediation case, checked, sent for review."""

    source_kind: Literal["case"] = "case"


@event_schema("councils.practice_note.submitted")
class CouncilPracticeNoteSubmitted(_Submitted):
    """A practice note from an implemented council recommendation, checked, sent for review."""

    source_kind: Literal["recommendation"] = "recommendation"


@event_schema("analytics.practice_note.reviewed")
class PracticeNoteReviewed(EventData):
    """A coordinator of another region approved a note (now visible to all) or sent it back."""

    note_id: str
    revision: int
    source_kind: SourceKind
    decision: Literal["approved", "returned"]
    remark: str = Field(default="", max_length=2000)
    reviewer_region: str
    reviewed_at: datetime


@event_schema("analytics.practice_note.marked_useful")
class PracticeNoteMarkedUseful(EventData):
    """A staff member marked a published note useful (once per member; the marker is hashed)."""

    note_id: str
    marker: str = Field(description="keyed hash of the member's user id, not the id itself")
    marked_at: datetime


class PracticeNoteDecided(EventData):
    """What the source tells the note's author of the library's decision.

    The reviewer's remark stays in the source service, on the note: free text written by a
    coordinator ("remove the phone +7 ..."), it may quote what the check exists to keep in.
    """

    note_id: str = Field(description="opaque id of the note, never the source's id or number")
    revision: int = Field(ge=1)
    region: str = Field(description="the note's region")
    category: str
    title: str = Field(description="the note's title in its own language, as checked")
    author: str = Field(description="username of the note's author (staff, not a party)")
    reviewed_at: datetime


@event_schema("cases.practice_note.published")
class CasePracticeNotePublished(PracticeNoteDecided):
    """A coordinator of another region approved a note drafted from a case: all regions read it."""


@event_schema("cases.practice_note.returned")
class CasePracticeNoteReturned(PracticeNoteDecided):
    """A coordinator of another region returned a note drafted from a case, with a remark."""


@event_schema("councils.practice_note.published")
class CouncilPracticeNotePublished(PracticeNoteDecided):
    """A coordinator of another region approved a note drafted from a recommendation."""


@event_schema("councils.practice_note.returned")
class CouncilPracticeNoteReturned(PracticeNoteDecided):
    """A coordinator of another region returned a note drafted from a recommendation."""
