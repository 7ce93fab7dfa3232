"""Event schemas published by the gateway about staff accounts (never about case parties).

The notifications service keeps its directory of recipients (e-mail, language, roles,
scopes) from these events alone, so it never reads the gateway's tables.
"""

from __future__ import annotations

from kelisim.events.envelope import EventData, event_schema


@event_schema("identity.user.upserted")
class UserUpserted(EventData):
    """A staff account was created or changed (roles, scopes, language, active flag)."""

    user_id: str
    username: str
    full_name: str
    email: str | None
    lang: str
    roles: list[str]
    regions: list[str]
    councils: list[str]
    active: bool
    digest: bool = False


@event_schema("identity.login.burst_detected")
class LoginBurst(EventData):
    """Many failed logins on one account name within the quiet time: a guessing attack?"""

    username: str
    failures: int
    address: str
    quiet_minutes: int
