"""History import: an analyst uploads past monthly counts as CSV (see handlers.history)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kelisim.clock import now
from kelisim.localtime import local_date
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.analytics import permissions
from services.analytics.api.common import PREFIX
from services.analytics.handlers.history import ImportHistory, import_history
from services.analytics.schemas import ImportResult

router = APIRouter(prefix=f"{PREFIX}/history", tags=["analytics"])
MAX_BYTES = 5_000_000


@router.post("", response_model=ImportResult)
async def upload_history(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep
) -> ImportResult:
    """Import a CSV (`text/csv` body): columns region, category, month (YYYY-MM), count.

    Only rows of the caller's regions: a row of another region refuses the whole file."""
    permissions.require(principal, "import_history")
    content = await request.body()
    if len(content) > MAX_BYTES:
        raise Problem(413, "too-large", "A history file has at most 5 MB.")
    today = local_date(now(), ctx.settings.analytics_timezone)
    scope = frozenset(permissions.regions(principal))
    cmd = ImportHistory(principal=principal, content=content, today=today, regions=scope)
    done = ctx.run(request, import_history, cmd)
    return ImportResult(
        import_id=done.import_id, rows=done.rows, replaced=done.replaced, unchanged=done.unchanged
    )
