"""CloudEvents envelope and the registry of typed, versioned event schemas."""

from kelisim.events.envelope import (
    TYPE_PREFIX,
    Envelope,
    EventData,
    UnknownEventType,
    event_schema,
    registered_types,
    schema_for,
)

__all__ = [
    "TYPE_PREFIX",
    "Envelope",
    "EventData",
    "UnknownEventType",
    "event_schema",
    "registered_types",
    "schema_for",
]
