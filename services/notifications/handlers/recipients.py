"""The recipient directory: staff accounts as the gateway announces them, for e-mail fan-out."""

from __future__ import annotations

import json

from kelisim.clock import now
from kelisim.events import Envelope
from kelisim.events.identity import UserUpserted
from kelisim.uow import UnitOfWork
from services.notifications.models import Recipient


def on_user_upserted(envelope: Envelope, data: UserUpserted, uow: UnitOfWork) -> None:
    """Consumer handler: keep the directory in step with the gateway's staff accounts."""
    session = uow.session
    person = session.get(Recipient, data.username)
    before = None
    if person is None:
        person = Recipient(username=data.username, user_id=data.user_id)
    else:
        before = {"active": person.active, "roles": json.loads(person.roles)}
    person.user_id = data.user_id
    person.full_name = data.full_name
    person.email = data.email
    person.lang = data.lang
    person.roles = json.dumps(sorted(data.roles))
    person.regions = json.dumps(sorted(data.regions))
    person.councils = json.dumps(sorted(data.councils))
    person.active = data.active
    person.digest = data.digest
    person.updated_at = now()
    session.add(person)
    uow.audit(
        "recipient.upserted",
        "recipient",
        data.username,
        before=before,
        after={"active": data.active, "roles": sorted(data.roles)},
    )
