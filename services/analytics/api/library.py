"""The library of practice: search, read, mark useful, "like this", home; the review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from kelisim.inputs import RegionCode
from kelisim.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from kelisim.preconditions import IfMatch
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading
from services.analytics import library, permissions
from services.analytics.api.common import PREFIX
from services.analytics.handlers.library import (
    MarkUseful,
    ReviewNote,
    etag,
    mark_useful,
    marker_of,
    review_note,
)
from services.analytics.models import PracticeNote
from services.analytics.schemas import LibraryHome, NotePublic, NoteReview

router = APIRouter(prefix=f"{PREFIX}/library", tags=["library"])
Lang = Annotated[str | None, Query(pattern="^(kk|ru|en)$")]
Code = Annotated[str | None, Query(max_length=40, pattern="^[a-z_]+$")]


def public(note: PracticeNote, marked: bool | None = None) -> NotePublic:
    shaped = NotePublic.model_validate(note, from_attributes=True)
    return shaped.model_copy(update={"marked": marked})


@router.get("", response_model=LibraryHome)
def home(principal: CurrentPrincipal, ctx: ContextDep) -> LibraryHome:
    """Per category, the most useful and the newest published notes."""
    permissions.require(principal, "library")
    with reading(ctx) as db:
        shelves = library.home(db)
        return LibraryHome.model_validate(
            {
                "shelves": [
                    {
                        "category": s["category"],
                        "most_useful": [public(n) for n in s["most_useful"]],
                        "newest": [public(n) for n in s["newest"]],
                    }
                    for s in shelves
                ]
            }
        )


@router.get("/notes", response_model=Page[NotePublic])
def search(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    q: Annotated[str, Query(max_length=200, description="words, in kk, ru or en")] = "",
    category: Code = None,
    region: RegionCode | None = None,
    outcome: Code = None,
    language: Lang = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[NotePublic]:
    """Published notes holding every word of `q` (any spelling, any ending), newest first."""
    permissions.require(principal, "library")
    filters = library.Filters(q, category, region, outcome, language)
    with reading(ctx) as db:
        rows, next_cursor = library.search(db, filters, limit, cursor)
        return Page[NotePublic](items=[public(n) for n in rows], next_cursor=next_cursor)


@router.get("/notes/{note_id}", response_model=NotePublic)
def read(note_id: str, principal: CurrentPrincipal, ctx: ContextDep) -> NotePublic:
    """One published note, and whether the caller marked it useful."""
    permissions.require(principal, "library")
    with reading(ctx) as db:
        note = library.published(db, note_id)
        if note is None:
            raise Problem(404, "not-found", "No published note by this id.")
        marker = marker_of(ctx.settings, principal.user_id)
        return public(note, library.has_marked(db, note_id, marker))


@router.get("/notes/{note_id}/similar", response_model=Page[NotePublic])
def similar(note_id: str, principal: CurrentPrincipal, ctx: ContextDep) -> Page[NotePublic]:
    """Published notes of the same category most like this one (shared terms, TF-IDF; one page)."""
    permissions.require(principal, "library")
    with reading(ctx) as db:
        note = library.published(db, note_id)
        if note is None:
            raise Problem(404, "not-found", "No published note by this id.")
        return Page[NotePublic](items=[public(n) for n in library.like_this(db, note)])


@router.post("/notes/{note_id}/useful", response_model=NotePublic)
def useful(
    note_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep
) -> NotePublic:
    """Mark a published note useful (once per member; Idempotency-Key honoured)."""
    permissions.require(principal, "library")
    cmd = MarkUseful(
        principal=principal, note_id=note_id, marker=marker_of(ctx.settings, principal.user_id)
    )
    return public(ctx.run(request, mark_useful, cmd), True)


@router.get("/review", response_model=Page[NotePublic])
def review_queue(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[NotePublic]:
    """Notes under review from other regions than the coordinator's own, oldest first."""
    permissions.require_reviewer(principal)
    with reading(ctx) as db:
        rows, next_cursor = library.queue(db, principal.regions, limit, cursor)
        return Page[NotePublic](items=[public(n) for n in rows], next_cursor=next_cursor)


@router.get("/review/{note_id}", response_model=NotePublic)
def under_review(
    note_id: str, response: Response, principal: CurrentPrincipal, ctx: ContextDep
) -> NotePublic:
    """A note under review of another region, with its `ETag` for the decision's `If-Match`."""
    permissions.require_reviewer(principal)
    with reading(ctx) as db:
        note = db.get(PracticeNote, note_id)
    if note is None or note.region in principal.regions or note.status != "under_review":
        raise Problem(404, "not-found", "No note under review for you by this id.")
    response.headers["ETag"] = etag(note)
    return public(note).model_copy(update={"etag": etag(note)})


@router.post("/review/{note_id}", response_model=NotePublic)
def decide(
    note_id: str,
    body: NoteReview,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> NotePublic:
    """Approve (visible to every region) or return with a remark; If-Match on the revision."""
    permissions.require_reviewer(principal)
    cmd = ReviewNote(
        principal=principal,
        if_match=if_match,
        note_id=note_id,
        decision=body.decision,
        remark=body.remark,
    )
    note = ctx.run(request, review_note, cmd)
    response.headers["ETag"] = etag(note)
    return public(note)
