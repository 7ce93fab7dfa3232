"""Practice notes of the cases service: draft from a closed case, edit, submit, read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kelisim.pagination import Page
from kelisim.practice_routes import NoteRoutes, add_note_routes
from kelisim.service import ContextDep, reading
from kelisim.uow import UnitOfWork
from services.cases import practice, queries
from services.cases.api.common import PREFIX, CaseReader
from services.cases.handlers import practice_notes
from services.cases.handlers.practice_notes import DraftNote
from services.cases.models import Case, PracticeNote
from services.cases.schemas import PracticeNoteCreate, PracticeNotePublic, PracticeNoteUpdate

router = APIRouter(prefix=PREFIX, tags=["practice notes"])


add_note_routes(
    router,
    NoteRoutes(
        caller=CaseReader,
        public=PracticeNotePublic,
        update=PracticeNoteUpdate,
        reading=reading,
        reads=practice,
        steps=practice_notes,
        read_doc="A note its author or a reader of its case may see.",
        identifying="identifies the case",
    ),
)


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


@router.get("/{case_id}/practice-notes", response_model=Page[PracticeNotePublic])
def notes_of_case(case_id: str, principal: CaseReader, ctx: ContextDep) -> Page[PracticeNotePublic]:
    """The practice notes drafted from a case the caller reads (one page: a case's own)."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        return Page[PracticeNotePublic](items=practice.notes_of_case(db, principal, case))
