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


@event_schema("notifications.delivery.succeeded")
class DeliverySucceeded(EventData):
    """A liaison endpoint answered 2xx to an escalation webhook."""

    delivery_id: str
    endpoint_id: str
    escalation_id: str
    region: str
    attempt: int
    status_code: int


@event_schema("notifications.delivery.failed")
class DeliveryFailed(EventData):
    """One webhook attempt failed; `next_attempt_at` is empty when no retry follows."""

    delivery_id: str
    endpoint_id: str
    escalation_id: str
    region: str
    attempt: int
    status_code: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


@event_schema("notifications.delivery.dead_lettered")
class DeliveryDeadLettered(EventData):
    """A webhook delivery gave up (schedule exhausted, or the endpoint is gone)."""

    delivery_id: str
    endpoint_id: str
    escalation_id: str
    region: str
    attempts: int
    reason: str


@event_schema("notifications.endpoint.disabled")
class EndpointDisabled(EventData):
    """A liaison endpoint was disabled (410 Gone, or failing for too long)."""

    endpoint_id: str
    region: str
    reason: str
