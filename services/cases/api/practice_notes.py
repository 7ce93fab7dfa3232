"""Practice notes of the cases service: draft from a closed case, edit, submit, read."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kelisim.pagination import Page
from kelisim.practice_drafts import EditNote, SubmitNote
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep
from kelisim.uow import UnitOfWork
from services.cases import practice, queries
from services.cases.api.common import PREFIX, CaseReader, reading
from services.cases.handlers import practice_notes
from services.cases.handlers.practice_notes import DraftNote
from services.cases.models import Case, PracticeNote
from services.cases.schemas import PracticeNoteCreate, PracticeNotePublic, PracticeNoteUpdate

router = APIRouter(prefix=PREFIX, tags=["practice notes"])
NOTES = "/practice-notes"


def _answer(
    ctx: ContextDep, principal: CaseReader, note: PracticeNote, response: Response
) -> PracticeNotePublic:
    response.headers["ETag"] = practice.note_etag(note)
    with reading(ctx) as db:
        found, case = practice.readable_note(db, principal, note.id)
        return practice.note_public(principal, found, case)


@router.get(NOTES, response_model=Page[PracticeNotePublic])
def my_notes(principal: CaseReader, ctx: ContextDep) -> Page[PracticeNotePublic]:
    """The caller's own practice notes, the most recently changed first, with status and remark."""
    with reading(ctx) as db:
        return Page[PracticeNotePublic](items=practice.my_notes(db, principal))


@router.get(NOTES + "/{note_id}", response_model=PracticeNotePublic)
def read_note(
    note_id: str, principal: CaseReader, ctx: ContextDep, response: Response
) -> PracticeNotePublic:
    """A note its author or a reader of its case may see."""
    with reading(ctx) as db:
        note, case = practice.readable_note(db, principal, note_id)
        response.headers["ETag"] = practice.note_etag(note)
        return practice.note_public(principal, note, case)


@router.patch(NOTES + "/{note_id}", response_model=PracticeNotePublic)
def edit_note(
    note_id: str,
    body: PracticeNoteUpdate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> PracticeNotePublic:
    """Change a draft or a returned note (send the `ETag` you read as `If-Match`)."""
    cmd = EditNote(principal=principal, if_match=if_match, note_id=note_id, body=body)
    return _answer(ctx, principal, ctx.run(request, practice_notes.edit, cmd), response)


@router.post(NOTES + "/{note_id}/submission", response_model=PracticeNotePublic)
def submit_note(
    note_id: str,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> PracticeNotePublic:
    """Submit for review; 422 `not-anonymous` names each word that identifies the case."""
    cmd = SubmitNote(principal=principal, if_match=if_match, note_id=note_id)
    return _answer(ctx, principal, ctx.run(request, practice_notes.submit, cmd), response)


@router.post("/{case_id}/practice-notes", status_code=201, response_model=PracticeNotePublic)
def draft_note(
    case_id: str,
    body: PracticeNoteCreate,
    request: Request,
    principal: CaseReader,
    ctx: ContextDep,
) -> JSONResponse:
    """Draft a practice note from a closed case (`Idempotency-Key` honoured)."""

    def shape(note: PracticeNote, uow: UnitOfWork) -> PracticeNotePublic:
        case = uow.session.get(Case, note.case_id)
        assert case is not None
        return practice.note_public(principal, note, case)

    cmd = DraftNote(principal=principal, case_id=case_id, body=body)
    created = ctx.create(request, practice_notes.draft, cmd, shape=shape)
    note = PracticeNotePublic.model_validate_json(created.body)
    created.headers["ETag"] = practice.note_etag(note)  # type: ignore[arg-type]
    return created


@router.get("/{case_id}/practice-notes", response_model=list[PracticeNotePublic])
def notes_of_case(case_id: str, principal: CaseReader, ctx: ContextDep) -> list[PracticeNotePublic]:
    """The practice notes drafted from a case the caller reads."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        return practice.notes_of_case(db, principal, case)
