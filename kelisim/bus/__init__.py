"""Messaging plumbing: outbox, relay, idempotent consumer, streams, connection."""

from kelisim.bus.errors import PermanentError

__all__ = ["PermanentError"]
