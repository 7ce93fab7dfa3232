"""Commands on staff accounts: create, change, deactivate, reset password, the first admin.

Each is a plain `handler(cmd, uow)`: it changes rows, appends an audit entry and emits
`identity.user.upserted` in the same transaction; the caller commits once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

from sqlmodel import Session, select

from gateway.identity import sessions
from gateway.identity.passwords import check_policy, hash_password
from gateway.models import User
from gateway.schemas import REGION_REQUIRED, REGION_REQUIRED_TEXT, Lang, UserCreate, UserUpdate
from kelisim.auth import PERSON_ROLES, REGIONAL_ROLES, ROLES_ALONE
from kelisim.events.identity import UserUpserted
from kelisim.problems import Problem
from kelisim.settings import Settings
from kelisim.uow import SYSTEM, UnitOfWork


def snapshot(user: User) -> dict[str, Any]:
    """What the audit log keeps of an account (never the password hash)."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "lang": user.lang,
        "email_digest": user.email_digest,
        "active": user.active,
        "roles": sorted(user.roles),
        "regions": sorted(user.regions),
        "councils": sorted(user.councils),
    }


def by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_user(session: Session, user_id: str) -> User:
    """The account, or 404."""
    user = session.get(User, user_id)
    if user is None:
        raise Problem(404, "user-not-found", "No such user.")
    return user


def require_regions(roles: list[str], regions: list[str]) -> None:
    """422 when an account would hold a regional role without a region (least privilege: the
    services must never take "no region" for "every region")."""
    if not regions and REGIONAL_ROLES.intersection(roles):
        error = {"loc": ["body", "regions"], "msg": REGION_REQUIRED_TEXT, "type": REGION_REQUIRED}
        raise Problem(422, "validation-error", REGION_REQUIRED_TEXT, errors=[error])


# Why roles may not share an account, by the validation error's type (the web says it in the
# admin's language: gateway/web/refusals.py).
LIAISON_ALONE = (
    "liaison_alone",
    "A law-enforcement liaison sees only the reviewed escalations of its region: the account "
    "holds no other role.",
)
ANALYST_WITHOUT_PERSONS = (
    "analyst_without_persons",
    "An analyst never sees a person: the account cannot also be an admin, coordinator, "
    "mediator, council secretary or council member.",
)


def require_separation(roles: list[str]) -> None:
    """422 when one account would hold roles the mission keeps apart: a liaison with any other
    role, or an analyst with a role that sees people (`kelisim.auth.PERSON_ROLES`)."""
    held = set(roles)
    broken = None
    if held & ROLES_ALONE and len(held) > 1:
        broken = LIAISON_ALONE
    elif "analyst" in held and held & PERSON_ROLES:
        broken = ANALYST_WITHOUT_PERSONS
    if broken is not None:
        kind, text = broken
        error = {"loc": ["body", "roles"], "msg": text, "type": kind}
        raise Problem(422, "validation-error", text, errors=[error])


def _publish(user: User, uow: UnitOfWork) -> None:
    uow.emit(
        UserUpserted(
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            email=user.email,
            lang=user.lang,
            roles=sorted(user.roles),
            regions=sorted(user.regions),
            councils=sorted(user.councils),
            active=user.active,
            digest=user.email_digest,
        ),
        aggregate=f"user:{user.id}",
    )


def create_user(cmd: UserCreate, uow: UnitOfWork, settings: Settings) -> User:
    """Create an account; 409 when the username is taken."""
    require_separation(cmd.roles)
    require_regions(cmd.roles, cmd.regions)
    check_policy(cmd.password, settings)
    # "system" names the system's own steps in every audit trail (kelisim.uow.SYSTEM).
    if cmd.username == SYSTEM.username or by_username(uow.session, cmd.username) is not None:
        raise Problem(409, "username-taken", f"The username {cmd.username!r} is taken.")
    user = User(
        username=cmd.username,
        full_name=cmd.full_name,
        email=cmd.email,
        lang=cmd.lang,
        email_digest=cmd.email_digest,
        password_hash=hash_password(cmd.password),
        roles=list(cmd.roles),
        regions=list(cmd.regions),
        councils=list(cmd.councils),
    )
    uow.session.add(user)
    uow.session.flush()
    uow.audit("user.created", "user", user.id, after=snapshot(user))
    _publish(user, uow)
    return user


def update_user(user_id: str, cmd: UserUpdate, uow: UnitOfWork, *, acting_user_id: str) -> User:
    """Change profile, roles, scopes or the active flag; an admin cannot lock themselves out."""
    user = get_user(uow.session, user_id)
    changes = cmd.model_dump(exclude_unset=True)
    if user.id == acting_user_id and (
        changes.get("active") is False
        or ("roles" in changes and "admin" not in (changes["roles"] or []))
    ):
        raise Problem(
            409, "self-lockout", "You cannot deactivate yourself or drop your own admin role."
        )
    if changes.get("roles") is not None and set(changes["roles"]) != set(user.roles):
        # only a change of roles is checked: an account made before the rule keeps its roles
        # (and its language or active flag can change) until an admin changes them
        require_separation(changes["roles"])
    if changes.get("roles") is not None or changes.get("regions") is not None:
        # only a change of scope is checked: an account made before the rule still signs in
        # and picks its language, until an admin gives it a region
        require_regions(
            user.roles if changes.get("roles") is None else changes["roles"],
            user.regions if changes.get("regions") is None else changes["regions"],
        )
    before = snapshot(user)
    for field, value in changes.items():
        if value is None and field != "email":
            continue
        setattr(user, field, list(value) if isinstance(value, list) else value)
    after = snapshot(user)
    if after == before:
        return user
    if before["active"] and not user.active:
        sessions.revoke_all(uow, user, "deactivated")
    user.updated_at = datetime.now(UTC)
    uow.session.add(user)
    action = "user.deactivated" if before["active"] and not user.active else "user.updated"
    uow.audit(action, "user", user.id, before=before, after=after)
    _publish(user, uow)
    return user


def adopt_language(user_id: str, lang: str | None, uow: UnitOfWork) -> None:
    """Make a language the owner picked (before logging in) the account's; others are ignored."""
    if lang in get_args(Lang):
        update_user(user_id, UserUpdate.model_validate({"lang": lang}), uow, acting_user_id=user_id)


def reset_password(
    user_id: str, password: str, uow: UnitOfWork, settings: Settings, *, by_owner: bool = False
) -> User:
    """Set a new password; every token issued before it stops working and any lock is lifted.

    `by_owner`: the person changed their own (the caller checked the current one), which the
    audit trail tells apart from an admin's reset.
    """
    check_policy(password, settings)
    user = get_user(uow.session, user_id)
    user.password_hash = hash_password(password)
    reason = "password-changed" if by_owner else "password-reset"
    sessions.revoke_all(uow, user, reason)
    user.failed_logins = 0
    user.locked_until = None
    user.updated_at = datetime.now(UTC)
    uow.session.add(user)
    action = "user.password_changed" if by_owner else "user.password_reset"
    uow.audit(action, "user", user.id, after={"token_epoch": user.token_epoch})
    return user


def ensure_first_admin(uow: UnitOfWork, settings: Settings) -> User | None:
    """Create the admin named by KELISIM_ADMIN_USERNAME/PASSWORD unless that account exists."""
    if not settings.admin_username or not settings.admin_password:
        return None
    if by_username(uow.session, settings.admin_username) is not None:
        return None
    return create_user(
        UserCreate(
            username=settings.admin_username,
            password=settings.admin_password,
            full_name="Administrator",
            roles=["admin"],
        ),
        uow,
        settings,
    )
