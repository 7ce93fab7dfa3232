"""Who may do what in a council: scope from the gateway token, membership from this service.

A caller acts on a council only if the council is in the token's scope AND the caller is a
current member of it (membership by username); their council role (chair, secretary, ...)
then decides the action through `lifecycle`. Admins manage councils and members but do not
take part in sessions. Analysts read published protocols and the control lists: both are
public acts of the councils and hold no personal data of case parties.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session as DbSession
from sqlmodel import select

from kelisim.auth import Principal
from kelisim.problems import Problem
from services.councils.models import Council, Member
from services.councils.queries import today

PARTICIPANT_ROLES = ("council_member", "council_secretary")


# Built once: every council read and command runs it (see services/cases/queries.py).
_MEMBER = select(Member).where(
    Member.council_id == bindparam("council_id"), Member.username == bindparam("username")
)


def acts_on(principal: Principal, council_id: str) -> bool:
    """Whether the caller takes part in councils' work and has this council in scope (then
    their membership decides)."""
    return principal.has(*PARTICIPANT_ROLES) and principal.in_council(council_id)


def not_a_member() -> Problem:
    """The 403 problem of a caller who is not a current member of the council."""
    return Problem(403, "not-a-member", "You are not a current member of this council.")


def membership(db: DbSession, council: Council, principal: Principal) -> Member | None:
    """The caller's current membership of the council, if they act on it at all."""
    if not acts_on(principal, council.id):
        return None
    member = db.exec(_MEMBER, params={"council_id": council.id, "username": principal.sub}).first()
    return member if member is not None and member.current(today()) else None


def role_in(db: DbSession, council: Council, principal: Principal) -> str | None:
    """The caller's role in the council (a current member's), or None."""
    member = membership(db, council, principal)
    return member.role if member else None


def require_member(db: DbSession, council: Council, principal: Principal) -> Member:
    """The caller's membership, or 403: outsiders neither act on nor read a council's work."""
    member = membership(db, council, principal)
    if member is None:
        raise not_a_member()
    return member


def can_manage(principal: Principal, council: Council) -> bool:
    """Admins, and secretaries with the council in scope, manage its members."""
    if principal.has("admin"):
        return True
    return principal.has("council_secretary") and principal.in_council(council.id)


def can_create(principal: Principal, region: str | None) -> bool:
    """Admins create any council; a secretary creates councils in their region."""
    if principal.has("admin"):
        return True
    return principal.has("council_secretary") and principal.in_region(region)


def can_see_council(principal: Principal, council: Council) -> bool:
    """Whether the caller may see the council's card (not its unpublished work)."""
    return (
        principal.has("admin", "analyst")
        or principal.in_council(council.id)
        or (principal.has("council_secretary") and principal.in_region(council.region))
    )


def can_read_published(db: DbSession, council: Council, principal: Principal) -> bool:
    """Members of the council read its published protocols (analysts never: they name people)."""
    return membership(db, council, principal) is not None


def sees_persons(principal: Principal) -> bool:
    """Whether the caller may see people's names; an analyst alone never does."""
    return principal.has("admin", "council_secretary", "council_member")


def can_watch_region(principal: Principal, region: str | None) -> bool:
    """Who sees a region's control list of recommendations."""
    if principal.has("admin", "analyst"):
        return True
    return principal.has("council_secretary") and principal.in_region(region)
