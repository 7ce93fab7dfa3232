"""Event schemas published by the notifications service."""

from __future__ import annotations

from kelisim.events.envelope import EventData, event_schema


@event_schema("notifications.notification.created")
class NotificationCreated(EventData):
    """An in-app notification was created for a recipient."""

    notification_id: str
    recipient: str
    topic: str
    source_event_id: str
