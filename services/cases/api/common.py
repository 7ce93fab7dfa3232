"""What the cases routes share: the prefix, the case reader, the term rules, the case answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from kelisim.auth import Principal
from kelisim.service import ContextDep, ServiceContext, current_principal, reading
from services.cases import permissions, queries
from services.cases.models import Case
from services.cases.schemas import CasePublic
from services.cases.terms import TermPolicy

PREFIX = "/api/v1/cases"


async def case_reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """The caller, if their roles read mediation cases at all (403 otherwise)."""
    permissions.require_reader(principal)
    return principal


CaseReader = Annotated[Principal, Depends(case_reader)]


async def term_policy(ctx: ContextDep) -> TermPolicy:
    """The term rules in force (settings `KELISIM_CASES_*`)."""
    return TermPolicy.from_settings(ctx.settings)


Terms = Annotated[TermPolicy, Depends(term_policy)]


def answer(ctx: ServiceContext, principal: Principal, case: Case, response: Response) -> CasePublic:
    """The case after a command, as the caller may see it, with its `ETag`."""
    response.headers["ETag"] = queries.etag(case)
    with reading(ctx) as db:
        return queries.case_for(db, principal, case)
