"""The yearly report for the leadership, as a PDF/A in kk, ru or en."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from kelisim import files
from kelisim.clock import now
from kelisim.localtime import local_date
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading
from services.analytics import permissions
from services.analytics.api.common import PREFIX

router = APIRouter(prefix=f"{PREFIX}/reports", tags=["analytics"])


@router.get("/{year}.pdf", response_class=Response, responses=files.file_answer(files.PDF))
async def yearly_report(
    year: Annotated[int, Path(ge=2000, le=2100)],
    principal: CurrentPrincipal,
    ctx: ContextDep,
    lang: Annotated[Literal["kk", "ru", "en"] | None, Query()] = None,
) -> Response:
    """The year's report: summary, tables, trends, alerts, councils, proposals, methodology."""
    permissions.require(principal, "report")
    regions = permissions.regions(principal)
    council_regions = permissions.council_regions(principal)
    chosen = lang or (principal.lang if principal.lang in ("kk", "ru", "en") else "kk")
    today = local_date(now(), ctx.settings.analytics_timezone)
    if year > today.year:
        raise Problem(422, "future-period", "A report covers a year that has begun.")
    on = min(today, date(year, 12, 31))

    def render() -> bytes:
        from services.analytics.report import render_report
        from services.analytics.yearly import report_data

        with reading(ctx) as db:
            data = report_data(db, year, regions, council_regions, chosen, on)
        return render_report(data, chosen)  # type: ignore[arg-type]

    pdf = await asyncio.to_thread(render)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="kelisim-report-{year}-{chosen}.pdf"'
        },
    )
