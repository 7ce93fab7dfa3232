"""Security events for the admins: a burst of failed logins on one account name."""

from __future__ import annotations

from kelisim.events import Envelope
from kelisim.events.identity import LoginBurst
from kelisim.uow import UnitOfWork
from services.notifications.handlers.notify import notify

ADMINS = {"audience_role": "admin", "region": None, "council_id": None}


def on_login_burst(envelope: Envelope, data: LoginBurst, uow: UnitOfWork) -> None:
    """Consumer handler: tell every admin, in-app and by e-mail."""
    notify(
        uow,
        source_event_id=envelope.id,
        topic=envelope.nats_subject,
        params=data.model_dump(mode="json"),
        audience=ADMINS,
        email=True,
    )
