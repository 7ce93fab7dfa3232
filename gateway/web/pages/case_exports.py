"""The case timeline for the file: CSV and PDF, in the reader's language (issue 17.2).

The words (steps, headings) and the local times are the gateway's, like the case page's; the
cases service answers the timeline as it answers the page, so whoever may not read the case
gets its 404 here too. Only who did which step when is printed: no party, no detail.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web import labels
from gateway.web.view import PageView, View
from kelisim import files, pdf, spreadsheets
from kelisim.localtime import KAZAKHSTAN

router = APIRouter(include_in_schema=False)
CASES = "/api/v1/cases"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


async def _timeline(view: View, case_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case and its recorded steps (audit entries), oldest first."""
    case, entries = await asyncio.gather(
        view.services.get(f"{CASES}/{case_id}"),
        view.services.items(f"{CASES}/{case_id}/timeline"),
    )
    return case, [e for e in entries if e.get("kind") == "audit"]


def _step(view: View, entry: dict[str, Any]) -> str:
    return view.translate(labels.case_step(entry))


def _local(at: str) -> str:
    """A sortable local time (Kazakhstan, UTC+5) for spreadsheets."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return moment.astimezone(KAZAKHSTAN).strftime("%Y-%m-%d %H:%M")


@router.get("/cases/{case_id}/timeline.csv")
async def timeline_csv(case_id: str, view: PageView) -> Response:
    """The timeline as CSV: local time, who, the step in the reader's language."""
    case, entries = await _timeline(view, case_id)
    head = [view.translate("Time (UTC+5)"), view.translate("Who"), view.translate("Step")]
    rows = [[_local(e["at"]), view.person(e.get("actor")), _step(view, e)] for e in entries]
    body = spreadsheets.csv_text([head, *rows], bom=True)
    return files.attachment(
        body.encode(), f"{case['number']}-timeline-{view.lang}.csv", "text/csv; charset=utf-8"
    )


@router.get("/cases/{case_id}/timeline.pdf")
async def timeline_pdf(case_id: str, view: PageView) -> Response:
    """The timeline as a PDF/A document in the reader's language (DejaVu Sans: Kazakh letters)."""
    case, entries = await _timeline(view, case_id)
    steps = [
        {
            "at": view.fmt.datetime(e["at"]),
            "actor": view.person(e.get("actor")),
            "step": _step(view, e),
        }
        for e in entries
    ]
    printed = datetime.now(KAZAKHSTAN)
    html = view.render("cases/timeline_pdf.html", case=case, steps=steps, printed=printed)
    identity = f"{case['id']}:{case['version']}:{view.lang}:{len(steps)}"
    document = await asyncio.to_thread(
        pdf.render_pdf,
        bytes(html.body).decode(),
        base_url=TEMPLATES.as_uri() + "/",
        created_on=printed.date(),
        identifier=hashlib.sha256(identity.encode()).hexdigest()[:32],
    )
    return files.attachment(
        document, f"{case['number']}-timeline-{view.lang}.pdf", "application/pdf"
    )
