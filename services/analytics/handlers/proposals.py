"""The analysts' proposals for the leadership: draft, edit, submit, review by a second analyst.

A proposal is about some regions (`KZ` among them makes it national), within its author's
scope; it rests on analytics pages (`/analytics/...`, or the API's `/api/v1/analytics/...`)
naming no region outside them, and only an analyst whose scope covers them reviews it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from kelisim import preconditions
from kelisim.anonymity import Identifying, check
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.analytics import lifecycle
from services.analytics.measures import ALL_REGIONS, NATIONAL
from services.analytics.models import Proposal
from services.analytics.schemas import ProposalCreate, ProposalReview, ProposalUpdate

SCOPE_ORDER = (*ALL_REGIONS, NATIONAL)
FIGURE_PAGES = re.compile(r"^/(analytics|api/v1/analytics)(/[A-Za-z0-9._~%/-]*)?$")
REGION_CODE = re.compile(r"\bKZ(-\d{2})?\b", re.IGNORECASE)
MAX_FIGURE = 500


@dataclass(frozen=True, kw_only=True)
class DraftProposal(Command):
    body: ProposalCreate
    scope: frozenset[str]  # the author's regions (and `KZ` for a national analyst)


@dataclass(frozen=True, kw_only=True)
class EditProposal(Command):
    proposal_id: str
    body: ProposalUpdate
    scope: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class SubmitProposal(Command):
    proposal_id: str


@dataclass(frozen=True, kw_only=True)
class ReviewProposal(Command):
    proposal_id: str
    body: ProposalReview
    scope: frozenset[str]  # the reviewer's: it must cover the proposal's regions


def etag(proposal: Proposal) -> str:
    return preconditions.etag_of({"id": proposal.id, "version": proposal.version})


def state(proposal: Proposal) -> dict[str, object]:
    return {
        "status": proposal.status,
        "titles": proposal.titles,
        "bodies": proposal.bodies,
        "figures": proposal.figures,
        "regions": proposal.regions,
        "version": proposal.version,
    }


def _languages_match(titles: dict[str, str], bodies: dict[str, str]) -> None:
    if set(titles) != set(bodies) or any(
        not v.strip() for v in [*titles.values(), *bodies.values()]
    ):
        raise Problem(422, "incomplete-translation", "Each language needs both a title and a text.")


def require_anonymous(titles: Mapping[str, str], bodies: Mapping[str, str]) -> None:
    """422 `personal-data-in-proposal` when a title or text holds what identifies anyone (a
    person's name, with initials or bare as "Иван Петров", a phone, e-mail, street address,
    case number, exact date, IIN or BIN, bank account number, identity document number or
    link: kelisim.anonymity): a proposal goes into the yearly
    report to the country's leadership, and analytics holds no person. The findings say the
    field, language, kind and position, never the words: the answer may be logged."""
    found: list[dict[str, Any]] = []
    places: list[list[str]] = []  # each title or text that holds any, once
    for field, texts in (("titles", titles), ("bodies", bodies)):
        for lang, text in texts.items():
            loc = ["body", field, lang]
            kinds = check(text, Identifying())
            found += [{"loc": loc, "kind": f.kind, "start": f.start, "end": f.end} for f in kinds]
            places += [loc] if kinds else []
    if found:
        raise Problem(
            422,
            "personal-data-in-proposal",
            "A proposal goes to the leadership and must not identify anyone: remove the "
            "names, contacts, addresses, exact dates, case numbers, IINs, bank account numbers, "
            "document numbers and links it holds.",
            findings=found,
            errors=[
                {"loc": loc, "type": "personal_data", "msg": "Holds personal data."}
                for loc in places
            ],
        )


def _texts(by_lang: Mapping[Any, str]) -> dict[str, str]:
    """Texts by language as the table keeps them (the schema's keys are kk, ru or en)."""
    return {str(lang): text for lang, text in by_lang.items()}


def regions_of(asked: Sequence[str] | None, scope: frozenset[str]) -> list[str]:
    """The regions a proposal is about, in the standard order: those asked, else the scope's."""
    chosen = set(scope if asked is None else asked)
    unknown = sorted(c[:10] for c in chosen if c not in SCOPE_ORDER)
    if unknown:
        raise Problem(422, "unknown-region", f"Unknown region(s): {', '.join(unknown)}.")
    outside = sorted(chosen - scope)
    if outside:
        raise Problem(403, "out-of-scope", f"Region(s) {', '.join(outside)} outside your scope.")
    return [code for code in SCOPE_ORDER if code in chosen]


def _figure_problem(line: str, regions: Sequence[str]) -> str | None:
    """Why a figure a proposal rests on is refused: not an analytics page, or of another region."""
    parts = urlsplit(line)
    if (
        len(line) > MAX_FIGURE
        or parts.scheme
        or parts.netloc
        or parts.fragment
        or not FIGURE_PAGES.match(parts.path)
        or "//" in parts.path
        or ".." in unquote(parts.path)
        or any(c.isspace() or not c.isprintable() or c == "\\" for c in unquote(line))
    ):
        return "not-analytics-page"
    named = {m.group(0).upper() for m in REGION_CODE.finditer(unquote(line))}
    return "outside-regions" if named - set(regions) else None


def check_figures(figures: Sequence[str], regions: Sequence[str]) -> None:
    """422 naming each figure that is not an analytics page of the proposal's regions."""
    errors = [
        {"loc": ["body", "figures", i], "type": why, "value": line[:100]}
        for i, line in enumerate(figures)
        if (why := _figure_problem(line.strip(), regions))
    ]
    if errors:
        raise Problem(
            422,
            "invalid-figures",
            "A proposal rests on analytics pages (/analytics/...) of its own regions.",
            errors=errors,
        )


def load(uow: UnitOfWork, proposal_id: str) -> Proposal:
    proposal = uow.session.get(Proposal, proposal_id, with_for_update=True)
    if proposal is None:
        raise Problem(404, "not-found", f"No proposal {proposal_id}.")
    return proposal


def draft_proposal(cmd: DraftProposal, uow: UnitOfWork) -> Proposal:
    titles: dict[str, str] = _texts(cmd.body.titles)
    bodies: dict[str, str] = _texts(cmd.body.bodies)
    _languages_match(titles, bodies)
    require_anonymous(titles, bodies)
    regions = regions_of(cmd.body.regions, cmd.scope)
    figures = [line.strip() for line in cmd.body.figures]
    check_figures(figures, regions)
    proposal = Proposal(
        year=cmd.body.year,
        titles=titles,
        bodies=bodies,
        figures=figures,
        regions=regions,
        author=cmd.principal.sub,
    )
    uow.session.add(proposal)
    uow.audit("proposal.drafted", "proposal", proposal.id, after=state(proposal))
    return proposal


def edit_proposal(cmd: EditProposal, uow: UnitOfWork) -> Proposal:
    proposal = load(uow, cmd.proposal_id)
    step = lifecycle.check("edit", proposal.status, is_author=proposal.author == cmd.principal.sub)
    preconditions.require(cmd.if_match, etag(proposal))
    before = state(proposal)
    titles: dict[str, str] = (
        _texts(cmd.body.titles) if cmd.body.titles is not None else proposal.titles
    )
    bodies: dict[str, str] = (
        _texts(cmd.body.bodies) if cmd.body.bodies is not None else proposal.bodies
    )
    _languages_match(titles, bodies)
    require_anonymous(titles, bodies)
    regions = (
        proposal.regions if cmd.body.regions is None else regions_of(cmd.body.regions, cmd.scope)
    )
    figures = (
        proposal.figures if cmd.body.figures is None else [f.strip() for f in cmd.body.figures]
    )
    check_figures(figures, regions)
    proposal.titles, proposal.bodies = titles, bodies
    proposal.figures, proposal.regions = figures, regions
    proposal.status = step.target
    proposal.version += 1
    uow.session.add(proposal)
    uow.audit("proposal.edited", "proposal", proposal.id, before=before, after=state(proposal))
    return proposal


def submit_proposal(cmd: SubmitProposal, uow: UnitOfWork) -> Proposal:
    proposal = load(uow, cmd.proposal_id)
    step = lifecycle.check(
        "submit", proposal.status, is_author=proposal.author == cmd.principal.sub
    )
    preconditions.require(cmd.if_match, etag(proposal))
    require_anonymous(proposal.titles, proposal.bodies)  # drafted before the check existed
    before = state(proposal)
    proposal.status = step.target
    proposal.version += 1
    uow.session.add(proposal)
    uow.audit("proposal.submitted", "proposal", proposal.id, before=before, after=state(proposal))
    return proposal


def visible(proposal: Proposal, sub: str, scope: frozenset[str]) -> bool:
    """Whether a caller reads a proposal: its author does, and an analyst whose scope covers
    every region it is about (as for reviewing it); a regional analyst reads no other
    region's proposal, nor a national one."""
    return proposal.author == sub or all(code in scope for code in proposal.regions)


def review_proposal(cmd: ReviewProposal, uow: UnitOfWork) -> Proposal:
    proposal = load(uow, cmd.proposal_id)
    action = cmd.body.decision
    step = lifecycle.check(action, proposal.status, is_author=proposal.author == cmd.principal.sub)
    preconditions.require(cmd.if_match, etag(proposal))
    outside = [code for code in proposal.regions if code not in cmd.scope]
    if outside:
        raise Problem(
            403, "out-of-scope", f"The proposal is about {', '.join(outside)}, outside your scope."
        )
    if action == "return" and not (cmd.body.remark or "").strip():
        raise Problem(422, "remark-required", "Say what to change when returning a proposal.")
    before = state(proposal)
    proposal.status = step.target
    proposal.reviewer = cmd.principal.sub
    proposal.remark = cmd.body.remark
    proposal.reviewed_at = now()
    proposal.version += 1
    uow.session.add(proposal)
    uow.audit(
        f"proposal.{'approved' if action == 'approve' else 'returned'}",
        "proposal",
        proposal.id,
        before=before,
        after=state(proposal),
    )
    return proposal
