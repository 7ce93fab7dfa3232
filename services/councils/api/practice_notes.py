"""Practice notes of the councils service: draft from an implemented recommendation, edit,
submit, read (the author and the council's secretaries only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kelisim.pagination import Page
from kelisim.practice_drafts import EditNote, SubmitNote
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, CurrentPrincipal
from kelisim.uow import UnitOfWork
from services.councils import practice
from services.councils.api.common import PREFIX, reading
from services.councils.handlers import practice_notes
from services.councils.handlers.practice_notes import DraftCouncilNote
from services.councils.models import PracticeNote
from services.councils.schemas import CouncilNoteCreate, CouncilNotePublic, CouncilNoteUpdate

router = APIRouter(prefix=PREFIX, tags=["practice notes"])
NOTES = "/practice-notes"


def _answer(
    ctx: ContextDep, principal: CurrentPrincipal, note: PracticeNote, response: Response
) -> CouncilNotePublic:
    response.headers["ETag"] = practice.note_etag(note)
    with reading(ctx) as db:
        found, source = practice.readable_note(db, principal, note.id)
        return practice.note_public(found, source=source)


@router.get(NOTES, response_model=Page[CouncilNotePublic])
def my_notes(principal: CurrentPrincipal, ctx: ContextDep) -> Page[CouncilNotePublic]:
    """The caller's own practice notes, the most recently changed first, with status and remark."""
    with reading(ctx) as db:
        return Page[CouncilNotePublic](items=practice.my_notes(db, principal))


@router.get(NOTES + "/{note_id}", response_model=CouncilNotePublic)
def read_note(
    note_id: str, principal: CurrentPrincipal, ctx: ContextDep, response: Response
) -> CouncilNotePublic:
    """A note its author or a secretary of its council may see."""
    with reading(ctx) as db:
        note, source = practice.readable_note(db, principal, note_id)
        response.headers["ETag"] = practice.note_etag(note)
        return practice.note_public(note, source=source)


@router.patch(NOTES + "/{note_id}", response_model=CouncilNotePublic)
def edit_note(
    note_id: str,
    body: CouncilNoteUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CouncilNotePublic:
    """Change a draft or a returned note (send the `ETag` you read as `If-Match`)."""
    cmd = EditNote(principal=principal, if_match=if_match, note_id=note_id, body=body)
    return _answer(ctx, principal, ctx.run(request, practice_notes.edit, cmd), response)


@router.post(NOTES + "/{note_id}/submission", response_model=CouncilNotePublic)
def submit_note(
    note_id: str,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CouncilNotePublic:
    """Submit for review; 422 `not-anonymous` names each word that names a person of the item."""
    cmd = SubmitNote(principal=principal, if_match=if_match, note_id=note_id)
    return _answer(ctx, principal, ctx.run(request, practice_notes.submit, cmd), response)


@router.post(
    "/recommendations/{recommendation_id}/practice-notes",
    status_code=201,
    response_model=CouncilNotePublic,
)
def draft_note(
    recommendation_id: str,
    body: CouncilNoteCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
) -> JSONResponse:
    """Draft a practice note from an implemented recommendation (`Idempotency-Key` honoured)."""

    def shape(note: PracticeNote, uow: UnitOfWork) -> CouncilNotePublic:
        return practice.note_public(note, source=True)

    cmd = DraftCouncilNote(principal=principal, recommendation_id=recommendation_id, body=body)
    created = ctx.create(request, practice_notes.draft, cmd, shape=shape)
    note = CouncilNotePublic.model_validate_json(created.body)
    created.headers["ETag"] = practice.note_etag(note)  # type: ignore[arg-type]
    return created
