"""Stream provisioning: one stream per producing domain."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from kelisim.settings import Settings

STREAMS: dict[str, str] = {
    "CASES": "cases.>",
    "COUNCILS": "councils.>",
    "NOTIFICATIONS": "notifications.>",
    "IDENTITY": "identity.>",
    "ANALYTICS": "analytics.>",
    # Signed audit checkpoints (kelisim/anchors.py): messages may not be deleted or purged.
    "AUDIT": "audit.>",
}
APPEND_ONLY = {"AUDIT"}


def stream_of(subject: str) -> str:
    """The stream that holds a subject."""
    domain = subject.split(".", 1)[0]
    name = domain.upper()
    if name not in STREAMS:
        raise ValueError(f"no stream for subject {subject!r}")
    return name


def stream_config(name: str, settings: Settings) -> StreamConfig:
    return StreamConfig(
        name=name,
        subjects=[STREAMS[name]],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=settings.stream_max_age(name) * 86400.0,
        num_replicas=settings.stream_replicas,
        duplicate_window=float(settings.stream_duplicate_window_seconds),
        deny_delete=name in APPEND_ONLY,
        deny_purge=name in APPEND_ONLY,
    )


async def ensure_streams(js: JetStreamContext, settings: Settings) -> None:
    """Create every stream, or bring an existing one to the configured limits."""
    for name in STREAMS:
        config = stream_config(name, settings)
        try:
            await js.stream_info(name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
