"""Practice notes of the councils service: draft from an implemented recommendation, edit,
submit, read (the author and the council's secretaries only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kelisim.practice_routes import NoteRoutes, add_note_routes
from kelisim.service import ContextDep, CurrentPrincipal, reading
from kelisim.uow import UnitOfWork
from services.councils import practice
from services.councils.api.common import PREFIX
from services.councils.handlers import practice_notes
from services.councils.handlers.practice_notes import DraftCouncilNote
from services.councils.models import PracticeNote
from services.councils.schemas import CouncilNoteCreate, CouncilNotePublic, CouncilNoteUpdate

router = APIRouter(prefix=PREFIX, tags=["practice notes"])


add_note_routes(
    router,
    NoteRoutes(
        caller=CurrentPrincipal,
        public=CouncilNotePublic,
        update=CouncilNoteUpdate,
        reading=reading,
        reads=practice,
        steps=practice_notes,
        read_doc="A note its author or a secretary of its council may see.",
        identifying="names a person of the item",
    ),
)


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
