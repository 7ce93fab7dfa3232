"""The session's record as the structured content of its minutes: attendance, quorum, the
items with their votes and decisions (what `draft_protocol` stores, and `document` renders)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from services.councils import rules
from services.councils.models import Council, Member, Session
from services.councils.queries import (
    agenda,
    present_usernames,
    quorum,
    recusals_of,
    sitting_members,
    votes_of,
)


def _person(member: Member | None, username: str) -> dict[str, str]:
    if member is None:
        return {"username": username, "full_name": username, "role": ""}
    return {"username": username, "full_name": member.full_name, "role": member.role}


def record_of(db: DbSession, session: Session, council: Council) -> dict[str, Any]:
    """The session's record as structured minutes: attendance, quorum, items, votes, decisions."""
    all_members = {
        m.username: m for m in db.exec(select(Member).where(Member.council_id == council.id))
    }
    sat = rules.sat_at(session.starts_at, session.held_at)
    members = sitting_members(db, session)  # those the sitting counted, as its page does
    present = present_usernames(db, session, members)
    items = []
    for item in agenda(db, session):
        votes = votes_of(db, item)
        items.append(
            {
                "id": item.id,
                "position": item.position,
                "titles": item.titles,
                "proposal": item.proposal,
                "rapporteur": item.rapporteur,
                "rule": rules.rule_of(item.decision_rule, council.decision_rule),
                "recused": [
                    {**_person(all_members.get(r.username), r.username), "reason": r.reason}
                    for r in recusals_of(db, item)
                ],
                "entitled": item.entitled,
                "votes": [
                    {**_person(all_members.get(v.username), v.username), "choice": v.choice}
                    for v in votes
                    if item.entitled is not None and v.username in item.entitled
                ],
                # present and entitled, but cast no vote: the roll-call names them too
                "did_not_vote": [
                    _person(all_members.get(u), u)
                    for u in item.entitled or []
                    if u not in {v.username for v in votes}
                ],
                "for": item.votes_for,
                "against": item.votes_against,
                "abstained": item.votes_abstained,
                "adopted": item.adopted,
            }
        )
    return {
        "council": {
            "id": council.id,
            "name": council.name,
            "level": council.level,
            "region": council.region,
        },
        "session": {
            "id": session.id,
            "title": session.title,
            "starts_at": sat.isoformat(),  # when it sat, which the minutes print
            "place": session.place,
            "online_link": session.online_link,
        },
        "attendance": {
            "members": len(members),
            "present": [_person(all_members.get(u), u) for u in present],
            "absent": [
                _person(m, m.username)
                for m in sorted(members, key=lambda m: m.username)
                if m.username not in present
            ],
        },
        "quorum": quorum(council, members, present).model_dump(),
        "items": items,
        "notes": {},
        "corrects": None,
    }
