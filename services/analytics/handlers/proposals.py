"""The analysts' proposals for the leadership: draft, edit, submit, review by a second analyst."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kelisim import preconditions
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.analytics import lifecycle
from services.analytics.models import Proposal
from services.analytics.schemas import ProposalCreate, ProposalReview, ProposalUpdate


@dataclass(frozen=True, kw_only=True)
class DraftProposal(Command):
    body: ProposalCreate


@dataclass(frozen=True, kw_only=True)
class EditProposal(Command):
    proposal_id: str
    body: ProposalUpdate


@dataclass(frozen=True, kw_only=True)
class SubmitProposal(Command):
    proposal_id: str


@dataclass(frozen=True, kw_only=True)
class ReviewProposal(Command):
    proposal_id: str
    body: ProposalReview


def etag(proposal: Proposal) -> str:
    return preconditions.etag_of({"id": proposal.id, "version": proposal.version})


def state(proposal: Proposal) -> dict[str, object]:
    return {
        "status": proposal.status,
        "titles": proposal.titles,
        "bodies": proposal.bodies,
        "figures": proposal.figures,
        "version": proposal.version,
    }


def _languages_match(titles: dict[str, str], bodies: dict[str, str]) -> None:
    if set(titles) != set(bodies) or any(
        not v.strip() for v in [*titles.values(), *bodies.values()]
    ):
        raise Problem(422, "incomplete-translation", "Each language needs both a title and a text.")


def _texts(by_lang: Mapping[Any, str]) -> dict[str, str]:
    """Texts by language as the table keeps them (the schema's keys are kk, ru or en)."""
    return {str(lang): text for lang, text in by_lang.items()}


def load(uow: UnitOfWork, proposal_id: str) -> Proposal:
    proposal = uow.session.get(Proposal, proposal_id, with_for_update=True)
    if proposal is None:
        raise Problem(404, "not-found", f"No proposal {proposal_id}.")
    return proposal


def draft_proposal(cmd: DraftProposal, uow: UnitOfWork) -> Proposal:
    titles: dict[str, str] = _texts(cmd.body.titles)
    bodies: dict[str, str] = _texts(cmd.body.bodies)
    _languages_match(titles, bodies)
    proposal = Proposal(
        year=cmd.body.year,
        titles=titles,
        bodies=bodies,
        figures=list(cmd.body.figures),
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
    proposal.titles, proposal.bodies = titles, bodies
    if cmd.body.figures is not None:
        proposal.figures = list(cmd.body.figures)
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
    before = state(proposal)
    proposal.status = step.target
    proposal.version += 1
    uow.session.add(proposal)
    uow.audit("proposal.submitted", "proposal", proposal.id, before=before, after=state(proposal))
    return proposal


def review_proposal(cmd: ReviewProposal, uow: UnitOfWork) -> Proposal:
    proposal = load(uow, cmd.proposal_id)
    action = cmd.body.decision
    step = lifecycle.check(action, proposal.status, is_author=proposal.author == cmd.principal.sub)
    preconditions.require(cmd.if_match, etag(proposal))
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
