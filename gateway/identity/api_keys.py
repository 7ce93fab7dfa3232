"""Commands on personal API keys, the same for their owner and for an admin."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.models import ApiKey
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork


def revoke(uow: UnitOfWork, key_id: str, owner_id: str, *, by_admin: bool = False) -> ApiKey:
    """Revoke `owner_id`'s key (404 when not theirs); revoking it again changes nothing."""
    row = uow.session.get(ApiKey, key_id)
    if row is None or row.user_id != owner_id:
        raise Problem(404, "api-key-not-found", "No such API key.")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        uow.session.add(row)
        after = {"user_id": row.user_id, "by_admin": by_admin}
        uow.audit("api_key.revoked", "api_key", row.id, after=after)
    return row
