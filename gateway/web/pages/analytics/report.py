"""The yearly report, and the proposals for the leadership with their review."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.pages.analytics.common import (
    API,
    NATIONAL,
    Period,
    _allow,
    _period,
    _refused,
    _render,
    _whole,
)
from gateway.web.refusals import PROBLEMS
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect, required
from kelisim.regions import REGIONS

router = APIRouter(include_in_schema=False)
LANG_ORDER = ("kk", "ru", "en")
PROPOSAL_STATUSES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "approved": N_("Approved"),
    "returned": N_("Returned"),
}
REPORT_LANGS = {"kk": N_("In Kazakh"), "ru": N_("In Russian"), "en": N_("In English")}
WHOLE_REPUBLIC = N_("Whole republic")
OUTSIDE_SCOPE = N_("Choose among the regions in your scope.")


def _scope(view: View) -> list[str]:
    """The regions the analyst's proposal may be about, the republic (`KZ`) first for a
    national analyst: as the analytics service decides it (its permissions.council_regions)."""
    own = [code for code in REGIONS if code in view.user.regions]
    return [NATIONAL, *own] if len(own) == len(REGIONS) else own


def _region_names(view: View, codes: list[str]) -> list[tuple[str, str]]:
    """Regions (and the republic) named in the reader's language."""
    whole = view.translate(WHOLE_REPUBLIC)
    return [(code, whole if code == NATIONAL else view.fmt.region(code)) for code in codes]


def _in_language(texts: dict[str, str], lang: str) -> tuple[str, str]:
    """The text in the reader's language, else in the first language it was written in."""
    for code in (lang, *LANG_ORDER):
        if texts.get(code):
            return code, texts[code]
    return lang, ""


def _figure_link(line: str) -> str | None:
    """A figure a proposal rests on is a link when it points to a page of figures here."""
    return line if re.match(r"^/(analytics|api/v1/analytics)(/|\?|$)", line) else None


def _about(view: View, regions: list[str]) -> list[str]:
    """What a proposal is about, in words: the whole republic, or its regions."""
    codes = [NATIONAL] if NATIONAL in regions else regions
    return [name for _code, name in _region_names(view, codes)]


async def _report_page(
    view: View, year: int, errors: dict[str, FormErrors] | None = None, status: int = 200
) -> Response:
    try:
        proposals = await view.services.every(f"{API}/proposals", year=year)
    except ServiceError as error:
        return _refused(view, error)
    shown = [
        {
            **p,
            "title": _in_language(p["titles"], view.lang),
            "body": _in_language(p["bodies"], view.lang),
            "links": [(line, _figure_link(line)) for line in p["figures"]],
            "mine": p["author"] == view.user.username,
            "about": _about(view, p["regions"]),
        }
        for p in proposals
    ]
    return _render(
        view,
        "analytics/report.html",
        Period(year, None),
        status=status,
        proposals=shown,
        report_langs=REPORT_LANGS,
        statuses=PROPOSAL_STATUSES,
        region_picker=_region_names(view, _scope(view)),
        errors=errors or {},
    )


@router.get("/analytics/report")
async def report(view: PageView, year: str = "") -> Response:
    """The yearly report in each language, and the proposals of the year with their review."""
    _allow(view, "analyst")
    return await _report_page(view, _period(view, year, "").year)


def _proposal(view: View) -> tuple[dict[str, Any], FormErrors]:
    """A drafted proposal from the form: a title and a text per language used, and figures."""
    titles = {lang: view.field(f"title_{lang}").strip() for lang in LANG_ORDER}
    bodies = {lang: view.field(f"body_{lang}").strip() for lang in LANG_ORDER}
    used = [lang for lang in LANG_ORDER if titles[lang] or bodies[lang]]
    figures = [line.strip() for line in view.field("figures").splitlines() if line.strip()]
    names = [f"{kind}_{lang}" for lang in used or ["kk"] for kind in ("title", "body")]
    errors = required(view, *names, "figures")
    body: dict[str, Any] = {
        "year": int(view.field("year")) if _whole(view.field("year")) else 0,
        "titles": {lang: titles[lang] for lang in used},
        "bodies": {lang: bodies[lang] for lang in used},
        "figures": figures,
    }
    # None chosen: the service takes the author's whole scope (national for a national one).
    chosen = [code for code in view.form.getlist("regions") if isinstance(code, str)]
    scope = _scope(view)
    if any(code not in scope for code in chosen):
        errors.fields["regions"] = view.translate(OUTSIDE_SCOPE)
        errors.general = errors.general or view.translate(PROBLEMS["validation-error"])
    elif chosen:
        body["regions"] = [code for code in scope if code in chosen]
    return body, errors


def _form_year(view: View) -> int:
    return _period(view, view.field("year"), "").year


@router.post("/analytics/proposals")
async def draft(view: FormView) -> Response:
    """Draft a proposal for the leadership."""
    _allow(view, "analyst")
    body, errors = _proposal(view)
    if errors:
        return await _report_page(view, _form_year(view), {"draft": errors}, 422)
    try:
        await view.services.post(f"{API}/proposals", body)
    except ServiceError as error:
        aliases = {"titles": "title_kk", "bodies": "body_kk", "year": "_", "regions": "regions"}
        aliases |= {f"figures.{i}": "figures" for i in range(len(body["figures"]))}
        aliases |= {f"regions.{i}": "regions" for i in range(len(body.get("regions") or []))}
        aliases |= {f"titles.{lang}": f"title_{lang}" for lang in LANG_ORDER}
        aliases |= {f"bodies.{lang}": f"body_{lang}" for lang in LANG_ORDER}
        errors = form_errors(view, error, aliases)
        if error.kind in ("out-of-scope", "unknown-region"):  # the scope changed meanwhile
            errors = FormErrors(fields={"regions": view.translate(OUTSIDE_SCOPE)})
        return await _report_page(view, _form_year(view), {"draft": errors}, error.status)
    return redirect(f"/analytics/report?year={body['year']}#proposals")


@router.post("/analytics/proposals/{proposal_id}/{step}")
async def proposal_step(proposal_id: str, step: str, view: FormView) -> Response:
    """Submit one's proposal, or (a second analyst) approve it or return it with a remark."""
    _allow(view, "analyst")
    year = _form_year(view)
    key = f"{step}:{proposal_id}"
    if step == "submit":
        path, body = f"{API}/proposals/{proposal_id}/submit", None
    elif step in ("approve", "return"):
        remark = view.field("remark").strip() or None
        path = f"{API}/proposals/{proposal_id}/review"
        body = {"decision": step, "remark": remark}
        if step == "return" and not remark:
            return await _report_page(view, year, {key: required(view, "remark")}, 422)
    else:
        return _refused(view, ServiceError(404, "not-found"))
    try:
        await view.services.post(path, body)
    except ServiceError as error:
        errors = form_errors(view, error, {"remark": "remark"})
        return await _report_page(view, year, {key: errors}, error.status)
    return redirect(f"/analytics/report?year={year}#proposal-{proposal_id}")
