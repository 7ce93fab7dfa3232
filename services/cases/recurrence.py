"""Earlier cases of the same party in the region: recurrence, and a check of conflicts of
interest (issue 17.6).

A party of this case is the same person as a party of an earlier case of the region when
their names have the same spelling-independent key (`kelisim.names`, stored as
`party.name_key`) and they share a phone number or an e-mail address. Only those who see the
case's parties (its coordinators, its declared mediator) are shown the links.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from kelisim.auth import Principal
from kelisim.problems import Problem
from services.cases import permissions
from services.cases.models import Case, Party
from services.cases.queries import parties_of
from services.cases.schemas import EarlierCase

_NOT_DIGIT = re.compile(r"\D+")


def phone_key(phone: str | None) -> str | None:
    """The number without spaces, signs or the trunk prefix: +7 701 …, 8 701 … and 701 … agree."""
    digits = _NOT_DIGIT.sub("", phone or "")
    return digits[-10:] if len(digits) >= 7 else None


def email_key(email: str | None) -> str | None:
    """An address compared without letter case or surrounding spaces."""
    text = (email or "").strip().casefold()
    return text or None


def _same_person(a: Party, b: Party) -> bool:
    """Same name key, and the same phone or the same e-mail."""
    same_phone = phone_key(a.phone) is not None and phone_key(a.phone) == phone_key(b.phone)
    same_mail = email_key(a.email) is not None and email_key(a.email) == email_key(b.email)
    return bool(a.name_key) and a.name_key == b.name_key and (same_phone or same_mail)


def earlier_cases(session: Session, principal: Principal, case: Case) -> list[EarlierCase]:
    """The region's earlier cases with a party of this case, for readers of its parties."""
    if not permissions.sees_personal_data(principal, case):
        raise Problem(403, "forbidden", "Only those who see the parties see their earlier cases.")
    ours = [p for p in parties_of(session, case.id) if p.name_key]
    if not ours:
        return []
    rows = session.exec(
        select(Party, Case)
        .join(Case, col(Case.id) == Party.case_id)
        .where(
            col(Party.name_key).in_(sorted({p.name_key for p in ours})),
            Case.region == case.region,
            Case.id != case.id,
            col(Case.registered_at) < case.registered_at,
        )
        .order_by(col(Case.registered_at).desc())
    ).all()
    found: list[EarlierCase] = []
    for theirs, earlier in rows:
        for party in ours:
            if _same_person(party, theirs):
                found.append(
                    EarlierCase(
                        party_id=party.id,
                        case_id=earlier.id,
                        number=earlier.number,
                        status=earlier.status,
                        registered_at=earlier.registered_at,
                        mediator=earlier.mediator,
                    )
                )
    return found
