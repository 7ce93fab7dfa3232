"""The CloudEvents 1.0 envelope (structured JSON) and the schema registry.

An event type is `kz.kelisim.<domain>.<entity>.<verb-past>.v<N>`; its NATS subject is
`<domain>.<entity>.<verb-past>`. A published schema is never changed: a breaking change
registers version N+1 beside it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from kelisim.clock import new_id

TYPE_PREFIX = "kz.kelisim."
_SUBJECT = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+$")
_TYPE = re.compile(r"^kz\.kelisim\.([a-z]+\.[a-z_]+\.[a-z_]+)\.v(\d+)$")


class UnknownEventType(LookupError):
    """An envelope names a type no schema is registered for."""


class EventData(BaseModel):
    """Base of every event payload schema; subclasses are registered with `event_schema`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: ClassVar[str]
    version: ClassVar[int]

    @classmethod
    def ce_type(cls) -> str:
        return f"{TYPE_PREFIX}{cls.subject}.v{cls.version}"


_REGISTRY: dict[str, type[EventData]] = {}
_Schema = TypeVar("_Schema", bound=EventData)


def event_schema(subject: str, version: int = 1) -> Callable[[type[_Schema]], type[_Schema]]:
    """Register a payload schema under its subject and version; duplicates are refused."""
    if not _SUBJECT.match(subject):
        raise ValueError(f"subject must be <domain>.<entity>.<verb_past>: {subject!r}")

    def register(cls: type[_Schema]) -> type[_Schema]:
        cls.subject = subject
        cls.version = version
        key = cls.ce_type()
        existing = _REGISTRY.get(key)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"event type {key} is already registered by {existing!r}")
        _REGISTRY[key] = cls
        return cls

    return register


def schema_for(ce_type: str) -> type[EventData]:
    """The registered payload schema of an event type."""
    _load_domain_schemas()
    try:
        return _REGISTRY[ce_type]
    except KeyError:
        raise UnknownEventType(ce_type) from None


def registered_types() -> list[str]:
    _load_domain_schemas()
    return sorted(_REGISTRY)


def _load_domain_schemas() -> None:
    # Importing the modules registers their schemas; kept lazy so nothing runs at import.
    from kelisim.events import (  # noqa: F401
        analytics,
        cases,
        councils,
        identity,
        notifications,
        practice,
    )


class Envelope(BaseModel):
    """A CloudEvents 1.0 event in structured JSON mode."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.UUID(new_id())))  # time-ordered
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(cls, data: EventData, *, source: str, subject: str | None = None) -> Envelope:
        """Wrap a typed payload in a new envelope."""
        return cls(
            source=source,
            type=data.ce_type(),
            subject=subject,
            dataschema=f"urn:kelisim:schema:{data.subject}:{data.version}",
            data=data.model_dump(mode="json"),
        )

    @property
    def nats_subject(self) -> str:
        match = _TYPE.match(self.type)
        if not match:
            raise UnknownEventType(self.type)
        return match.group(1)

    def payload(self) -> EventData:
        """The typed payload; raises UnknownEventType or pydantic.ValidationError."""
        return schema_for(self.type).model_validate(self.data)

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()
