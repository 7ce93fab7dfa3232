"""The practice-note routes both drafting services serve alike: the caller's notes, one note,
its edit and its submission. Each service adds its own drafting route (from its own record)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlmodel import Session

from kelisim.auth import Principal
from kelisim.pagination import Page
from kelisim.practice_drafts import EditNote, SubmitNote
from kelisim.practice_notes import NoteTexts
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, ServiceContext
from kelisim.uow import UnitOfWork

NOTES = "/practice-notes"
MINE = "The caller's own practice notes, the most recently changed first, with status and remark."


class NoteReads(Protocol):
    """A service's read side of its notes (its `practice` module)."""

    def shown_note(self, db: Session, principal: Principal, note_id: str) -> tuple[Any, Any]:
        """The stored note and how this caller sees it; 404 for whoever may not read it."""

    def my_notes(self, db: Session, principal: Principal) -> list[Any]: ...

    def note_etag(self, note: Any) -> str: ...


class NoteSteps(Protocol):
    """A service's handlers of an edit and a submission (its `handlers.practice_notes`)."""

    def edit(self, cmd: EditNote[Any], uow: UnitOfWork) -> Any: ...

    def submit(self, cmd: SubmitNote, uow: UnitOfWork) -> Any: ...


@dataclass(frozen=True, kw_only=True)
class NoteRoutes:
    """What a service plugs into the shared routes."""

    caller: Any  # the caller's dependency, e.g. `Annotated[Principal, Depends(...)]`
    public: type[BaseModel]
    update: type[NoteTexts]
    reading: Callable[[ServiceContext], AbstractContextManager[Session]]
    reads: NoteReads
    steps: NoteSteps
    read_doc: str  # who may see a note
    identifying: str  # what a word a 422 `not-anonymous` names does, e.g. identifies the case


def add_note_routes(router: APIRouter, plug: NoteRoutes) -> None:
    """Add the shared routes under `router`'s prefix."""
    public = plug.public

    def answer(ctx: ServiceContext, principal: Principal, note: Any, response: Response) -> Any:
        response.headers["ETag"] = plug.reads.note_etag(note)
        with plug.reading(ctx) as db:
            return plug.reads.shown_note(db, principal, note.id)[1]

    def my_notes(principal: Principal, ctx: ContextDep) -> Any:
        with plug.reading(ctx) as db:
            return Page[public](items=plug.reads.my_notes(db, principal))  # type: ignore[valid-type]

    def read_note(note_id: str, principal: Principal, ctx: ContextDep, response: Response) -> Any:
        with plug.reading(ctx) as db:
            note, shown = plug.reads.shown_note(db, principal, note_id)
            response.headers["ETag"] = plug.reads.note_etag(note)
            return shown

    def edit_note(
        note_id: str,
        body: NoteTexts,
        request: Request,
        response: Response,
        principal: Principal,
        ctx: ContextDep,
        if_match: IfMatch = None,
    ) -> Any:
        """Change a draft or a returned note (send the `ETag` you read as `If-Match`)."""
        cmd = EditNote(principal=principal, if_match=if_match, note_id=note_id, body=body)
        return answer(ctx, principal, ctx.run(request, plug.steps.edit, cmd), response)

    def submit_note(
        note_id: str,
        request: Request,
        response: Response,
        principal: Principal,
        ctx: ContextDep,
        if_match: IfMatch = None,
    ) -> Any:
        cmd = SubmitNote(principal=principal, if_match=if_match, note_id=note_id)
        return answer(ctx, principal, ctx.run(request, plug.steps.submit, cmd), response)

    # The annotations above are for the type checker; FastAPI reads the service's own caller
    # dependency and body model from these (they differ per service, so they are set here).
    for endpoint in (my_notes, read_note, edit_note, submit_note):
        endpoint.__annotations__["principal"] = plug.caller
    edit_note.__annotations__["body"] = plug.update
    my_notes.__doc__ = MINE
    read_note.__doc__ = plug.read_doc
    submit_note.__doc__ = (
        f"Submit for review; 422 `not-anonymous` names each word that {plug.identifying}."
    )
    router.get(NOTES, response_model=Page[public])(my_notes)  # type: ignore[valid-type]
    router.get(NOTES + "/{note_id}", response_model=public)(read_note)
    router.patch(NOTES + "/{note_id}", response_model=public)(edit_note)
    router.post(NOTES + "/{note_id}/submission", response_model=public)(submit_note)
