"""Event schemas published by the notifications service."""

from __future__ import annotations

from datetime import datetime

from kelisim.events.envelope import EventData, event_schema


@event_schema("notifications.notification.created")
class NotificationCreated(EventData):
    """An in-app notification was created for a recipient."""

    notification_id: str
    recipient: str
    topic: str
    source_event_id: str


@event_schema("notifications.escalation.acknowledged")
class EscalationAcknowledged(EventData):
    """A liaison accepted an escalation (receipt, beyond delivery)."""

    escalation_id: str
    case_ref: str
    region: str
    acknowledged_by: str
    acknowledged_at: datetime
