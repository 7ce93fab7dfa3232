"""The read side of the library of practice: search, the home shelves, "like this", the queue.

Search is a term index of our own (`practice_note_term`, filled by `terms.counts`), so it
reads the same on SQLite and PostgreSQL: a note matches when it holds, for every word of
the query, one of that word's stems (kk, ru or en), newest published first, paged by keyset
on (published_at, note_id).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from kelisim import pagination
from kelisim.db import table_of
from services.analytics.handlers.library import PUBLISHED, UNDER_REVIEW
from services.analytics.models import PracticeNote, PracticeNoteMark, PracticeNoteTerm
from services.analytics.terms import cosine, idf, query_terms

SHELF = 3  # notes per category on the home shelves
SIMILAR = 5
CANDIDATES = 500  # notes of a category compared for "like this"


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: str | None = None
    region: str | None = None
    outcome: str | None = None
    language: str | None = None


def search(
    db: Session, filters: Filters, limit: int, cursor: str | None
) -> tuple[list[PracticeNote], str | None]:
    """Published notes holding every query term and matching the filters, newest first."""
    query = select(PracticeNote).where(PracticeNote.status == PUBLISHED)
    for variants in sorted(set(query_terms(filters.q)), key=sorted):
        holders = select(PracticeNoteTerm.note_id).where(
            col(PracticeNoteTerm.term).in_(sorted(variants))
        )
        query = query.where(col(PracticeNote.note_id).in_(holders))
    for name in ("category", "region", "outcome"):
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(PracticeNote, name) == value)
    if filters.language:
        query = query.where(col(PracticeNote.languages).contains(filters.language))
    order = [col(PracticeNote.published_at), col(PracticeNote.note_id)]
    if cursor:
        table = table_of(PracticeNote)  # its columns, as ColumnElements
        key = pagination.decode(cursor, datetime, str)
        query = query.where(
            pagination.after([table.c.published_at, table.c.note_id], key, descending=True)
        )
    rows = db.exec(query.order_by(*(c.desc() for c in order)).limit(limit + 1)).all()
    return pagination.page(rows, limit, lambda n: (n.published_at, n.note_id))


def published(db: Session, note_id: str) -> PracticeNote | None:
    note = db.get(PracticeNote, note_id)
    return note if note is not None and note.status == PUBLISHED else None


def has_marked(db: Session, note_id: str, marker: str) -> bool:
    return db.get(PracticeNoteMark, (note_id, marker)) is not None


def home(db: Session) -> list[dict[str, Any]]:
    """Per category: the most useful and the newest published notes."""
    categories = db.exec(
        select(PracticeNote.category)
        .where(PracticeNote.status == PUBLISHED)
        .group_by(PracticeNote.category)
        .order_by(PracticeNote.category)
    ).all()
    shelves = []
    for category in categories:
        base = select(PracticeNote).where(
            PracticeNote.status == PUBLISHED, PracticeNote.category == category
        )
        useful = base.where(PracticeNote.useful > 0).order_by(
            col(PracticeNote.useful).desc(), col(PracticeNote.published_at).desc()
        )
        newest = base.order_by(
            col(PracticeNote.published_at).desc(), col(PracticeNote.note_id).desc()
        )
        shelves.append(
            {
                "category": category,
                "most_useful": list(db.exec(useful.limit(SHELF)).all()),
                "newest": list(db.exec(newest.limit(SHELF)).all()),
            }
        )
    return shelves


def _term_counts(db: Session, note_ids: list[str]) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = defaultdict(dict)
    rows = db.exec(
        select(PracticeNoteTerm.note_id, PracticeNoteTerm.term, PracticeNoteTerm.count).where(
            col(PracticeNoteTerm.note_id).in_(note_ids)
        )
    ).all()
    for note_id, term, n in rows:
        found[note_id][term] = n
    return found


def like_this(db: Session, note: PracticeNote) -> list[PracticeNote]:
    """Published notes of the same category, most alike first (TF-IDF cosine over terms)."""
    others = list(
        db.exec(
            select(PracticeNote)
            .where(
                PracticeNote.status == PUBLISHED,
                PracticeNote.category == note.category,
                PracticeNote.note_id != note.note_id,
            )
            .order_by(col(PracticeNote.published_at).desc())
            .limit(CANDIDATES)
        ).all()
    )
    if not others:
        return []
    vectors = _term_counts(db, [note.note_id, *(o.note_id for o in others)])
    mine = vectors.get(note.note_id, {})
    documents = db.exec(
        select(func.count()).select_from(PracticeNote).where(PracticeNote.status == PUBLISHED)
    ).one()
    frequency = dict(
        db.exec(
            select(PracticeNoteTerm.term, func.count())
            .join(PracticeNote, col(PracticeNote.note_id) == col(PracticeNoteTerm.note_id))
            .where(PracticeNote.status == PUBLISHED, col(PracticeNoteTerm.term).in_(list(mine)))
            .group_by(PracticeNoteTerm.term)
        ).all()
    )
    weights = idf(frequency, max(documents, 1))
    scored = [(cosine(mine, vectors.get(o.note_id, {}), weights), o) for o in others]
    scored = [pair for pair in scored if pair[0] > 0]
    scored.sort(key=lambda pair: (-pair[0], pair[1].note_id))
    return [o for _, o in scored[:SIMILAR]]


def queue(
    db: Session, own_regions: frozenset[str], limit: int, cursor: str | None
) -> tuple[list[PracticeNote], str | None]:
    """Notes under review from regions other than the reviewer's, oldest first."""
    query = select(PracticeNote).where(
        PracticeNote.status == UNDER_REVIEW, col(PracticeNote.region).not_in(sorted(own_regions))
    )
    order = [col(PracticeNote.submitted_at), col(PracticeNote.note_id)]
    if cursor:
        table = table_of(PracticeNote)  # its columns, as ColumnElements
        key = pagination.decode(cursor, datetime, str)
        query = query.where(pagination.after([table.c.submitted_at, table.c.note_id], key))
    rows = db.exec(query.order_by(*order).limit(limit + 1)).all()
    return pagination.page(rows, limit, lambda n: (n.submitted_at, n.note_id))
