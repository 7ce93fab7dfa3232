"""The staff directory: accounts as the gateway announces them, so assignment knows mediators.

The service never reads the gateway's tables; it keeps the few facts assignment needs from
`identity.user.upserted` (roles, regions, active). A mediator may be assigned only when the
directory knows them as an active mediator of the case's region.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from kelisim.clock import now
from kelisim.events import Envelope
from kelisim.events.identity import UserUpserted
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.models import Case, StaffMember


def record_staff_member(envelope: Envelope, data: UserUpserted, uow: UnitOfWork) -> None:
    """Consumer handler: keep the directory in step with the gateway's staff accounts."""
    member = uow.session.get(StaffMember, data.username)
    before = None
    if member is None:
        member = StaffMember(username=data.username, user_id=data.user_id)
    else:
        before = _facts(member)
    member.user_id = data.user_id
    member.roles = json.dumps(sorted(data.roles))
    member.regions = json.dumps(sorted(data.regions))
    member.active = data.active
    member.updated_at = now()
    uow.session.add(member)
    after = _facts(member)
    if after != before:
        uow.audit("staff.upserted", "staff_member", data.username, before=before, after=after)


def _facts(member: StaffMember) -> dict[str, object]:
    return {
        "roles": json.loads(member.roles),
        "regions": json.loads(member.regions),
        "active": member.active,
    }


def require_mediator(db: Session, case: Case, username: str) -> None:
    """422 `unknown-mediator` unless `username` is an active mediator of the case's region."""
    member = db.get(StaffMember, username)
    if (
        member is None
        or not member.active
        or "mediator" not in json.loads(member.roles)
        or case.region not in json.loads(member.regions)
    ):
        raise Problem(
            422,
            "unknown-mediator",
            "No active mediator of the case's region has this username.",
            mediator=username,
            region=case.region,
        )
