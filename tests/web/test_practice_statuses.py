"""A practice note's status reads the same on its author's pages and in the library: one map,
one label per state, and in Russian every label agrees with «заметка»."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from gateway.web import labels
from gateway.web.i18n import po_path
from gateway.web.pages import practice
from kelisim import practice_notes
from services.analytics.handlers import library

pytestmark = pytest.mark.db_independent

TEMPLATES = Path(__file__).resolve().parents[2] / "gateway/templates"


def russian() -> dict[str, str]:
    with po_path("ru").open("rb") as source:
        return {m.id: m.string for m in read_po(source, locale="ru") if m.id}


def test_every_status_of_a_note_has_one_label_in_one_map() -> None:
    drafting = set(practice_notes.STATUSES)
    in_library = {library.UNDER_REVIEW, library.PUBLISHED, library.RETURNED}
    assert set(labels.NOTE_STATUSES) == drafting | in_library
    # "submitted" where it is drafted is "under_review" in the library: one state, one label
    assert labels.NOTE_STATUSES["submitted"] == labels.NOTE_STATUSES["under_review"]
    assert not hasattr(practice, "NOTE_STATUSES")
    assert "NOTE_STATUSES" not in practice.NOTE_LABELS


def test_the_author_pages_and_the_library_read_the_one_map() -> None:
    for page in ("practice/list.html", "practice/form.html", "library/_text.html"):
        text = (TEMPLATES / page).read_text()
        assert "labels.NOTE_STATUSES.get(" in text, page
        assert "notes.NOTE_STATUSES" not in text, page


def test_in_russian_a_notes_status_agrees_with_the_feminine_noun() -> None:
    ru = russian()
    for code in ("published", "returned"):
        first = ru[labels.NOTE_STATUSES[code]].split()[0]
        assert re.fullmatch(r"\w+на", first), (code, first)  # «Опубликована», «Возвращена»
    # the review queue and the note's facts say "sent for review" in the same words
    assert ru["Sent for review %(date)s"] == f"{ru['Sent for review']} %(date)s"
    assert ru["Sent for review"] == "Отправлена на рецензию"
