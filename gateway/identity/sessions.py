"""Web sessions kept on the server: a cookie is honoured only while its row is live.

The cookie is a signed token whose `jti` names a `web_session` row. Signing out revokes
that row, so a copied cookie stops working at once; deactivation, a password reset and
"sign out everywhere" revoke every row of the account (and bump its token epoch, which
also ends its bearer tokens). Each revocation is audited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from gateway.models import User, WebSession
from kelisim.db import table_of
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork


def open_session(uow: UnitOfWork, user: User, seconds: int, address: str) -> WebSession:
    """Record a new signed-in browser of `user`; its id goes into the cookie as `jti`."""
    now = datetime.now(UTC)
    row = WebSession(
        id=uuid.uuid4().hex,
        user_id=user.id,
        address=address[:100],
        created_at=now,
        expires_at=now + timedelta(seconds=seconds),
    )
    uow.session.add(row)
    uow.audit("session.opened", "web_session", row.id, after={"user_id": user.id})
    return row


# Built once: every cookie request runs it (see services/cases/queries.py).
_SESSIONS = table_of(WebSession)
_LIVE = select(_SESSIONS.c.user_id, _SESSIONS.c.revoked_at, _SESSIONS.c.expires_at).where(
    _SESSIONS.c.id == bindparam("id")
)


def is_live(conn: Connection, session_id: str, user_id: str) -> bool:
    """Whether the cookie's session row is the user's, not revoked and not over."""
    row = conn.execute(_LIVE, {"id": session_id}).one_or_none()
    return (
        row is not None
        and row.user_id == user_id
        and row.revoked_at is None
        and row.expires_at > datetime.now(UTC)
    )


def live_sessions(session: Session, user_id: str) -> list[WebSession]:
    """The account's sessions still honoured, newest first."""
    rows = session.exec(
        select(WebSession)
        .where(WebSession.user_id == user_id, col(WebSession.revoked_at).is_(None))
        .order_by(col(WebSession.created_at).desc(), col(WebSession.id))
    ).all()
    now = datetime.now(UTC)
    return [r for r in rows if r.expires_at > now]


def revoke_session(uow: UnitOfWork, session_id: str, user_id: str, reason: str) -> None:
    """End one session of `user_id` (404 when not theirs); ending an ended one changes nothing."""
    row = uow.session.get(WebSession, session_id)
    if row is None or row.user_id != user_id:
        raise Problem(404, "session-not-found", "No such session.")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        row.revoked_reason = reason
        uow.session.add(row)
        uow.audit("session.revoked", "web_session", row.id, after={"reason": reason})


def revoke_all(uow: UnitOfWork, user: User, reason: str) -> int:
    """End every session of the account and every token issued before now; how many ended."""
    rows = live_sessions(uow.session, user.id)
    now = datetime.now(UTC)
    for row in rows:
        row.revoked_at = now
        row.revoked_reason = reason
        uow.session.add(row)
    user.token_epoch += 1
    uow.session.add(user)
    uow.audit(
        "session.revoked_all",
        "user",
        user.id,
        after={"reason": reason, "sessions": len(rows), "token_epoch": user.token_epoch},
    )
    return len(rows)
