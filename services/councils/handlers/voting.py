"""Recusals, open votes by name, and decisions computed under the item's rule."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.councils import DecisionAdopted, DecisionRejected
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import lifecycle, permissions, rules
from services.councils.models import AgendaItem, Council, Recusal, Session, Vote
from services.councils.queries import (
    entitled_voters,
    item_with_context,
    quorum,
    recused_usernames,
    sitting_members,
)
from services.councils.schemas import Quorum, RecusalCreate, VoteCreate


def item_quorum(db: DbSession, item: AgendaItem, session: Session, council: Council) -> Quorum:
    """The quorum for one item: recused members do not count as present."""
    members = sitting_members(db, session)
    return quorum(council, members, entitled_voters(db, item, session, members))


def _no_quorum(result: Quorum) -> Problem:
    return Problem(
        409,
        "no-quorum",
        f"No quorum: {result.present} of {result.members} members count, "
        f"{result.required} are needed.",
        quorum=result.model_dump(),
    )


def _require_held(session: Session) -> None:
    if session.status != "held":
        raise Problem(
            409,
            "session-not-held",
            "Votes take place while the session is held.",
            state=session.status,
        )


@dataclass(frozen=True, kw_only=True)
class DeclareRecusal(Command):
    item_id: str
    body: RecusalCreate


def declare_recusal(cmd: DeclareRecusal, uow: UnitOfWork) -> Recusal:
    """A member declares a conflict of interest and leaves the item's vote and quorum."""
    db = uow.session
    item, session, council = item_with_context(db, cmd.item_id, lock=True)
    member = permissions.require_member(db, council, cmd.principal)
    lifecycle.check("session", "recuse", session.status, member.role)
    lifecycle.check("item", "recuse", item.vote_status, member.role)
    voted = db.exec(
        select(Vote).where(Vote.item_id == item.id, Vote.username == member.username)
    ).first()
    if voted is not None:
        raise Problem(409, "already-voted", "A member who has voted cannot recuse on the item.")
    if member.username in recused_usernames(db, item):
        raise Problem(409, "already-recused", "You have already recused on this item.")
    recusal = Recusal(item_id=item.id, username=member.username, reason=cmd.body.reason)
    db.add(recusal)
    uow.audit(
        "item.recusal",
        "agenda_item",
        item.id,
        after={"username": member.username, "reason": cmd.body.reason},
    )
    return recusal


@dataclass(frozen=True, kw_only=True)
class OpenVote(Command):
    item_id: str


def open_vote(cmd: OpenVote, uow: UnitOfWork) -> AgendaItem:
    """The secretary opens the vote on an item, only with a quorum for it."""
    db = uow.session
    item, session, council = item_with_context(db, cmd.item_id, lock=True)
    member = permissions.membership(db, council, cmd.principal)
    item.vote_status = lifecycle.check(
        "item", "open_vote", item.vote_status, member.role if member else None
    )
    _require_held(session)
    result = item_quorum(db, item, session, council)
    if not result.reached:
        raise _no_quorum(result)
    db.add(item)
    uow.audit(
        "item.vote_opened",
        "agenda_item",
        item.id,
        before={"vote_status": "pending"},
        after={"vote_status": "open", "quorum": result.model_dump()},
    )
    return item


@dataclass(frozen=True, kw_only=True)
class CastVote(Command):
    item_id: str
    body: VoteCreate


def cast_vote(cmd: CastVote, uow: UnitOfWork) -> Vote:
    """A present, non-recused member votes once, by name."""
    db = uow.session
    # The same row lock as open, close and recuse: a vote never commits beside a close
    # that could not see it (stored but not counted).
    item, session, council = item_with_context(db, cmd.item_id, lock=True)
    member = permissions.require_member(db, council, cmd.principal)
    lifecycle.check("item", "cast_vote", item.vote_status, member.role)
    _require_held(session)
    members = sitting_members(db, session)
    if member.username not in entitled_voters(db, item, session, members):
        raise Problem(
            403, "not-entitled", "Only members present and not recused vote on this item."
        )
    if db.exec(
        select(Vote).where(Vote.item_id == item.id, Vote.username == member.username)
    ).first():
        raise Problem(409, "already-voted", "You have already voted on this item.")
    vote = Vote(item_id=item.id, username=member.username, choice=cmd.body.choice)
    db.add(vote)
    try:
        db.flush()
    except IntegrityError as exc:
        raise Problem(409, "already-voted", "You have already voted on this item.") from exc
    uow.audit(
        "item.vote_cast",
        "agenda_item",
        item.id,
        after={"username": member.username, "choice": vote.choice},
    )
    return vote


@dataclass(frozen=True, kw_only=True)
class CloseVote(Command):
    item_id: str


def close_vote(cmd: CloseVote, uow: UnitOfWork) -> AgendaItem:
    """The secretary closes the vote; the service computes the result and freezes the voters."""
    db = uow.session
    item, session, council = item_with_context(db, cmd.item_id, lock=True)
    member = permissions.membership(db, council, cmd.principal)
    item.vote_status = lifecycle.check(
        "item", "close_vote", item.vote_status, member.role if member else None
    )
    _require_held(session)
    members = sitting_members(db, session)
    entitled = entitled_voters(db, item, session, members)
    result = quorum(council, members, entitled)
    if not result.reached:
        raise _no_quorum(result)
    votes = [
        v
        for v in db.exec(select(Vote).where(Vote.item_id == item.id)).all()
        if v.username in entitled
    ]
    counts = {c: sum(1 for v in votes if v.choice == c) for c in ("for", "against", "abstain")}
    rule = rules.rule_of(item.decision_rule, council.decision_rule)
    item.entitled = entitled
    item.members_count = len(members)
    item.votes_for = counts["for"]
    item.votes_against = counts["against"]
    item.votes_abstained = counts["abstain"]
    item.adopted = rules.decide(rule, counts["for"], len(entitled), len(members))
    item.vote_closed_at = now()
    db.add(item)
    uow.audit(
        "decision.adopted" if item.adopted else "decision.rejected",
        "agenda_item",
        item.id,
        before={"vote_status": "open"},
        after={
            "vote_status": "closed",
            "rule": rule,
            "entitled": entitled,
            "members": len(members),
            "votes": {v.username: v.choice for v in votes},
            "adopted": item.adopted,
        },
    )
    event = DecisionAdopted if item.adopted else DecisionRejected
    uow.emit(
        event(
            council_id=council.id,
            session_id=session.id,
            item_id=item.id,
            region=council.region,
            rule=rule,
            votes_for=counts["for"],
            votes_against=counts["against"],
            votes_abstained=counts["abstain"],
            entitled=len(entitled),
        ),
        aggregate=f"council:{council.id}",
    )
    return item
