"""Reading cases: the list, the caseload, one case and its timeline."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from kelisim import files, spreadsheets
from kelisim.inputs import RegionCode
from kelisim.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from kelisim.service import ContextDep, CurrentPrincipal, reading, reads
from services.cases import listing, permissions, queries, recurrence
from services.cases.api.common import PREFIX, CaseReader, Terms
from services.cases.schemas import (
    CaseloadRow,
    CasePublic,
    CaseStatus,
    Category,
    EarlierCase,
    TimelineEntry,
)

router = APIRouter(prefix=PREFIX, tags=["cases"])


@router.get("", response_model=Page[CasePublic])
@reads
def list_cases(
    principal: CaseReader,
    ctx: ContextDep,
    region: RegionCode | None = None,
    status: CaseStatus | None = None,
    category: Category | None = None,
    mediator: Annotated[str | None, Query(max_length=100)] = None,
    deadline_from: date | None = None,
    deadline_to: date | None = None,
    active: Annotated[
        bool | None,
        Query(
            description="true: only the cases still open (registered, assigned, in mediation, "
            "settled and watched for compliance); false: only the closed ones"
        ),
    ] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CasePublic]:
    """The cases the caller may read, newest first, filtered, keyset-paginated."""
    with reading(ctx) as db:
        return listing.list_cases(
            db,
            principal,
            region=region,
            status=status,
            category=category,
            mediator=mediator,
            deadline_from=deadline_from,
            deadline_to=deadline_to,
            active=active,
            q=q,
            cursor=cursor,
            limit=limit,
        )


@router.get("/caseload", response_model=Page[CaseloadRow])
@reads
def caseload(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    terms: Terms,
    region: str | None = None,
    mediator: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[CaseloadRow]:
    """Active cases per mediator of the coordinator's region(s), or of one mediator."""
    with reading(ctx) as db:
        rows = listing.caseload(db, principal, region, terms.today(), mediator)
        return Page[CaseloadRow](items=rows)


@router.get("/{case_id}", response_model=CasePublic)
@reads
def get_case(
    case_id: str, response: Response, principal: CaseReader, ctx: ContextDep
) -> CasePublic:
    """One case; parties and description only for those who may see personal data."""
    with reading(ctx) as db:
        case = queries.case_page(db, principal, case_id)
        response.headers["ETag"] = queries.etag(case)
        return case


@router.get("/{case_id}/earlier-cases", response_model=Page[EarlierCase])
@reads
def get_earlier_cases(case_id: str, principal: CaseReader, ctx: ContextDep) -> Page[EarlierCase]:
    """Earlier cases of the region with a party of this one (same name, phone or e-mail)."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        return Page[EarlierCase](items=recurrence.earlier_cases(db, principal, case))


@router.get(
    "/{case_id}/timeline",
    response_model=Page[TimelineEntry],
    responses=files.file_answer(files.CSV),  # ?format=csv
)
@reads
def get_timeline(
    case_id: str,
    principal: CaseReader,
    ctx: ContextDep,
    format: Literal["json", "csv"] = "json",  # noqa: A002
):
    """Every step of the case in order, with who and when; `?format=csv` exports it."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        details = permissions.sees_personal_data(principal, case)
        entries = queries.timeline(db, ctx.tables, case, details)
    if format == "json":
        return Page[TimelineEntry](items=entries)
    rows = [
        [
            e.at.isoformat(),
            e.kind,
            e.actor or "",
            e.action,
            json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else "",
        ]
        for e in entries
    ]
    return Response(
        content=spreadsheets.csv_text([["at", "kind", "actor", "action", "details"], *rows]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{case.number}-timeline.csv"'},
    )
