"""API shapes of the notifications service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, HttpUrl, computed_field, field_validator

from kelisim import webhooks
from kelisim.auth import ROLES
from kelisim.inputs import Input, RegionCode
from kelisim.references import escalation_reference

Audience = Literal["role", "mediator", "author"]
# The audiences that are one person, and the event field that names them (a username).
PERSON_FIELDS = {"mediator": "mediator", "author": "author"}
Scope = Literal["region", "council", "all"]
RoleName = Literal[ROLES]  # type: ignore[valid-type]


class RuleBase(Input):
    subject: str = Field(max_length=200)
    audience: Audience = "role"
    role: RoleName | None = None
    scope: Scope = "region"
    in_app: bool = True
    email: bool = False
    enabled: bool = True


class RuleCreate(RuleBase):
    """A new rule: which event, to whom, by which channels."""


class RuleUpdate(Input):
    """A partial change of a rule."""

    audience: Audience | None = None
    role: RoleName | None = None
    scope: Scope | None = None
    in_app: bool | None = None
    email: bool | None = None
    enabled: bool | None = None


class RulePublic(RuleBase):
    id: str
    created_at: datetime
    updated_at: datetime


class NotificationPublic(BaseModel):
    """The legacy list item: a neutral summary."""

    id: str
    topic: str
    region: str | None
    summary: str
    created_at: datetime


class InboxItem(BaseModel):
    """An in-app notification in the reader's language."""

    id: str
    topic: str
    title: str
    body: str
    region: str | None
    council_id: str | None
    created_at: datetime
    read: bool
    refs: dict[str, str] = Field(
        default_factory=dict,
        description="ids of what the notice is about (case_ref, session_id, protocol_id, "
        "recommendation_id, alert_id, escalation_id, note_id), for a link to it",
    )


class Inbox(BaseModel):
    items: list[InboxItem]
    unread: int
    next_cursor: str | None


class EndpointCreate(Input):
    """A liaison endpoint: region, URL and its signing material."""

    region: RegionCode
    url: HttpUrl
    description: str = Field(default="", max_length=500)
    secrets: list[str] = Field(default_factory=list, max_length=5)
    signing_keys: list[str] = Field(default_factory=list, max_length=5)
    generate_secret: bool = False
    generate_signing_key: bool = False

    @field_validator("secrets")
    @classmethod
    def _secrets(cls, value: list[str]) -> list[str]:
        return [webhooks.validate_secret(s) for s in value]

    @field_validator("signing_keys")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        return [webhooks.validate_signing_key(k) for k in value]


class EndpointUpdate(Input):
    """A change of an endpoint: URL, rotation of secrets or keys, enabling."""

    url: HttpUrl | None = None
    description: str | None = Field(default=None, max_length=500)
    secrets: list[str] | None = Field(default=None, max_length=5)
    signing_keys: list[str] | None = Field(default=None, max_length=5)
    enabled: bool | None = None

    @field_validator("secrets")
    @classmethod
    def _secrets(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [webhooks.validate_secret(s) for s in value]

    @field_validator("signing_keys")
    @classmethod
    def _keys(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [webhooks.validate_signing_key(k) for k in value]


class EndpointPublic(BaseModel):
    """An endpoint as the admin sees it: secrets masked, public keys in full."""

    id: str
    region: str
    url: str
    description: str
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    secret_hints: list[str]
    public_keys: list[str]
    created_at: datetime


class EndpointCreated(EndpointPublic):
    """Answered once at creation: the generated secret and key, to hand to the liaison."""

    generated_secret: str | None = None
    generated_public_key: str | None = None


class AttemptPublic(BaseModel):
    attempt: int
    at: datetime
    outcome: str
    status_code: int | None
    latency_ms: int
    error: str | None


class DeliveryPublic(BaseModel):
    id: str
    endpoint_id: str
    escalation_id: str
    region: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    last_status_code: int | None
    last_error: str | None


class DeliveryDetail(DeliveryPublic):
    history: list[AttemptPublic]


class DeliveryReplay(Input):
    """Replay every dead delivery (optionally of one endpoint)."""

    endpoint_id: str | None = None
    status: Literal["dead"] = "dead"


class Replayed(BaseModel):
    replayed: int


class FeedItem(BaseModel):
    """An escalation in the liaison subset, with its receipt."""

    escalation_id: str
    case_ref: str
    region: str
    category: str
    risk_level: str
    risk_of: str | None
    summary: str
    escalated_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reference(self) -> str:
        """A short reference to quote on the phone (never the case number)."""
        return escalation_reference(self.escalation_id)


class Feed(BaseModel):
    """A page of the pull feed. The feed is polled: keep `next_cursor` and ask with it later
    for the escalations that arrived since, whether or not `has_more` is true."""

    items: list[FeedItem]
    next_cursor: str | None = Field(
        description="Where to read on from: after the last item of this page, or the cursor "
        "asked with when the page is empty. It is given on the last page too (`has_more` "
        "false), as the resume point for polling: a later request with it returns only "
        "escalations that arrived since. Null only when nothing was ever returned and no "
        "cursor was given (start from the beginning again).",
    )
    has_more: bool = Field(
        description="Whether more escalations are waiting now: ask again at once with "
        "`next_cursor`; false means poll with it later.",
    )


class DeadLetterPublic(BaseModel):
    """An event the consumer gave up on, for an admin to inspect."""

    id: int
    consumer: str
    event_id: str
    subject: str
    error: str
    deliveries: int
    created_at: datetime


class EmailPublic(BaseModel):
    """An e-mail the system wrote, as the admin reads it (development: the outgoing mail)."""

    id: str
    username: str
    to_address: str
    lang: str
    subject: str
    body: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
