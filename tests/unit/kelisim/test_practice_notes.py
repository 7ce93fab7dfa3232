"""The drafting side's shared rules: which status allows what, what a review does, the check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from kelisim import practice_notes as notes
from kelisim.anonymity import Identifying
from kelisim.events.practice import PracticeNoteReviewed
from kelisim.problems import Problem

pytestmark = pytest.mark.db_independent


def review(decision: str, revision: int = 2) -> PracticeNoteReviewed:
    return PracticeNoteReviewed(
        note_id="n1",
        revision=revision,
        source_kind="case",
        decision=decision,  # type: ignore[arg-type]
        remark="Be more general.",
        reviewer_region="KZ-71",
        reviewed_at=datetime.now(UTC),
    )


@pytest.mark.parametrize(
    ("status", "revision", "decision", "expected"),
    [
        ("submitted", 2, "approved", "published"),
        ("submitted", 2, "returned", "returned"),
        ("submitted", 3, "approved", None),  # a decision on revision 2 after resubmission
        ("published", 2, "approved", None),  # a repeat
        ("returned", 2, "returned", None),
        ("draft", 2, "approved", None),
    ],
)
def test_a_review_applies_only_to_the_submitted_revision(status, revision, decision, expected):
    assert notes.review_outcome(status, revision, review(decision)) == expected


@pytest.mark.parametrize(("action", "status"), [("edit", "submitted"), ("submit", "published")])
def test_a_note_under_review_or_published_is_not_edited_or_resubmitted(action, status):
    with pytest.raises(Problem) as refused:
        notes.require_status(action, status)
    assert (refused.value.status, refused.value.kind) == (409, "invalid-transition")
    notes.require_status(action, "returned")  # a returned note is edited and submitted again


def test_the_text_in_the_notes_own_language_is_required():
    text = {"title": "T", "conflict": "C", "tried": "X"}
    with pytest.raises(ValidationError):
        notes.NoteTexts(language="ru", texts={"kk": text})  # type: ignore[arg-type]
    assert notes.NoteTexts(language="kk", texts={"kk": text, "en": text}).language == "kk"  # type: ignore[arg-type]


def test_the_refusal_names_each_word_with_its_field_and_language():
    facts = Identifying(names=["Жанар Әлиева"], phones=["+7 701 123 45 67"])
    texts = {
        "kk": {"title": "Дау", "conflict": "Жанарға хат", "tried": "Кездесу"},
        "en": {"title": "Dispute", "conflict": "A letter", "tried": "Call 87011234567"},
    }
    with pytest.raises(Problem) as refused:
        notes.require_anonymous(texts, facts)
    assert refused.value.status == 422 and refused.value.kind == "not-anonymous"
    found = [
        (f["language"], f["field"], f["kind"], f["text"]) for f in refused.value.extra["findings"]
    ]
    assert found == [("kk", "conflict", "name", "Жанарға"), ("en", "tried", "phone", "87011234567")]
    notes.require_anonymous({"en": {"title": "Dispute", "conflict": "x", "tried": "y"}}, facts)
