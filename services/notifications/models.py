"""The notifications service's tables: its domain tables and the backbone tables."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.clock import new_id, now
from kelisim.db import UtcDateTime
from kelisim.tables import SeqType, backbone_tables
from services.notifications.lifecycle import DELIVERY_START, EMAIL_START

metadata = MetaData()
backbone = backbone_tables(metadata)


class NotificationsModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the notifications service's SQLModel tables."""


def time_ordered_id(prefix: str = "") -> str:
    """A unique id whose order is the creation order (microsecond clock + randomness)."""
    return f"{prefix}{time.time_ns() // 1000:014x}{uuid.uuid4().hex[:16]}"


def _ts(nullable: bool = False, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UtcDateTime(), nullable=nullable, index=index)


class Rule(NotificationsModel, table=True):
    """Which event goes to whom: a subject, an audience and the channels."""

    __tablename__ = "rule"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=40)
    subject: str = Field(index=True, max_length=200)
    audience: str = Field(max_length=20, description="role | mediator | author")
    role: str | None = Field(default=None, max_length=40)
    scope: str = Field(default="region", max_length=20, description="region | council | all")
    in_app: bool = True
    email: bool = False
    enabled: bool = True
    created_at: datetime = Field(default_factory=now, sa_column=_ts())
    updated_at: datetime = Field(default_factory=now, sa_column=_ts())


class Recipient(NotificationsModel, table=True):
    """A staff member as the gateway announced them (identity.user.upserted)."""

    __tablename__ = "recipient"

    username: str = Field(primary_key=True, max_length=100)
    user_id: str = Field(max_length=64)
    full_name: str | None = Field(default=None, max_length=200)  # None: announced before 0007
    email: str | None = Field(default=None, max_length=320)
    lang: str = Field(default="kk", max_length=8)
    roles: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    regions: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    councils: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    active: bool = True
    digest: bool = False
    updated_at: datetime = Field(default_factory=now, sa_column=_ts())


class Notification(NotificationsModel, table=True):
    """An in-app notification for an audience: a role in a scope, or one user."""

    __tablename__ = "notification"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    source_event_id: str = Field(index=True, max_length=64)
    rule_id: str | None = Field(default=None, max_length=40)
    topic: str = Field(max_length=200)
    audience_role: str | None = Field(default=None, max_length=40)
    audience_user: str | None = Field(default=None, index=True, max_length=100)
    region: str | None = Field(default=None, index=True, max_length=8)
    council_id: str | None = Field(default=None, index=True, max_length=64)
    # Who caused the event, when a person did: a role audience reaches everyone but them.
    actor: str | None = Field(default=None, max_length=100)
    summary: str = Field(max_length=1000)
    in_app: bool = True
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_column=_ts(index=True))


class NotificationRead(NotificationsModel, table=True):
    """That a user has read an in-app notification."""

    __tablename__ = "notification_read"
    __table_args__ = (PrimaryKeyConstraint("notification_id", "username"),)

    notification_id: str = Field(max_length=32)
    username: str = Field(max_length=100)
    read_at: datetime = Field(default_factory=now, sa_column=_ts())


class EmailMessage(NotificationsModel, table=True):
    """An e-mail to send: written in the event's transaction, sent by the mail worker."""

    __tablename__ = "email_outbox"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    username: str = Field(index=True, max_length=100)
    to_address: str = Field(max_length=320)
    lang: str = Field(max_length=8)
    subject: str = Field(max_length=500)
    body: str = Field(sa_column=Column(Text, nullable=False))
    notification_id: str | None = Field(default=None, max_length=32)
    status: str = Field(
        default=EMAIL_START, index=True, max_length=20, description="lifecycle.EMAIL_STATES"
    )
    digest_id: str | None = Field(default=None, max_length=32)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now, sa_column=_ts(index=True))
    created_at: datetime = Field(default_factory=now, sa_column=_ts())
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Escalation(NotificationsModel, table=True):
    """An escalation to law enforcement as received: the liaison subset and its receipt."""

    __tablename__ = "escalation"

    seq: int | None = Field(
        default=None, sa_column=Column(SeqType, primary_key=True, autoincrement=True)
    )
    escalation_id: str = Field(unique=True, max_length=64)
    case_ref: str = Field(max_length=64)
    region: str = Field(index=True, max_length=8)
    category: str = Field(max_length=40)
    risk_level: str = Field(max_length=20)
    risk_of: str | None = Field(default=None, max_length=20)  # none before events carried it
    summary: str = Field(max_length=500)
    escalated_at: datetime = Field(sa_column=_ts())
    # Which case it is, for staff notices only (never in the feed or a webhook); empty for
    # escalations received before events carried it.
    case_id: str | None = Field(default=None, max_length=64)
    case_number: str | None = Field(default=None, max_length=40)
    mediator: str | None = Field(default=None, max_length=100)  # told when it is accepted
    received_at: datetime = Field(default_factory=now, sa_column=_ts())
    acknowledged_by: str | None = Field(default=None, max_length=100)
    acknowledged_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    alerted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class LiaisonEndpoint(NotificationsModel, table=True):
    """A law-enforcement system's webhook endpoint for one region."""

    __tablename__ = "liaison_endpoint"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    region: str = Field(index=True, max_length=8)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=500)
    secrets: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    signing_keys: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=500)
    failing_since: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=now, sa_column=_ts())
    updated_at: datetime = Field(default_factory=now, sa_column=_ts())


class Delivery(NotificationsModel, table=True):
    """One escalation to one endpoint; its id is the `webhook-id`, stable across retries."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("endpoint_id", "escalation_id", name="uq_delivery"),)

    id: str = Field(
        default_factory=lambda: time_ordered_id("msg_"), primary_key=True, max_length=40
    )
    endpoint_id: str = Field(index=True, max_length=32)
    escalation_id: str = Field(max_length=64)
    region: str = Field(max_length=8)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(
        default=DELIVERY_START, index=True, max_length=20, description="lifecycle.DELIVERY_STATES"
    )
    attempts: int = 0
    schedule_step: int = 0
    next_attempt_at: datetime = Field(default_factory=now, sa_column=_ts(index=True))
    created_at: datetime = Field(default_factory=now, sa_column=_ts())
    finished_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The escalation's trace (W3C traceparent): the POSTs continue it (kelisim.tracing).
    traceparent: str | None = Field(default=None, max_length=64)


class DeliveryAttempt(NotificationsModel, table=True):
    """One POST of a delivery: when, how long, what came back."""

    __tablename__ = "delivery_attempt"

    id: int | None = Field(
        default=None, sa_column=Column(SeqType, primary_key=True, autoincrement=True)
    )
    delivery_id: str = Field(index=True, max_length=40)
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    at: datetime = Field(default_factory=now, sa_column=_ts())
    outcome: str = Field(max_length=20, description="lifecycle.OUTCOMES")
    status_code: int | None = None
    latency_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
