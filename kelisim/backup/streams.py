"""JetStream's side of a backup: stream snapshots (with their durable consumers), their
restore, and the message ids a restored stream holds since a moment."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from kelisim.backup.common import BackupError
from kelisim.settings import Settings

CHUNK = 128 * 1024
API = "$JS.API"


async def api(nc: Client, subject: str, body: dict[str, Any] | None, timeout: float = 30) -> Any:
    reply = await nc.request(f"{API}.{subject}", json.dumps(body or {}).encode(), timeout=timeout)
    data = json.loads(reply.data or b"{}")
    if "error" in data:
        raise BackupError(f"JetStream {subject}: {data['error'].get('description', data)}")
    return data


async def snapshot_stream(nc: Client, name: str, out: Path) -> dict[str, Any]:
    """Write a stream's snapshot (messages and consumers) to `out`; returns config and state."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    try:
        body = {"deliver_subject": inbox, "chunk_size": CHUNK, "jsck": True}
        info: dict[str, Any] = await api(nc, f"STREAM.SNAPSHOT.{name}", body)
        with out.open("wb") as f:
            while True:
                msg = await sub.next_msg(timeout=60)
                status = (msg.headers or {}).get("Status")
                if status and status not in ("204", "100"):
                    description = (msg.headers or {}).get("Description", "")
                    raise BackupError(f"snapshot of {name}: {status} {description}")
                if not msg.data:
                    break
                f.write(msg.data)
                if msg.reply:  # flow control: the server waits for these past its window
                    await nc.publish(msg.reply, b"")
    finally:
        await sub.unsubscribe()
    return {"config": info["config"], "state": info["state"]}


async def restore_stream(nc: Client, meta: dict[str, Any], src: Path, replicas: int) -> int:
    """Replace a stream by its snapshot; returns the number of messages restored."""
    config = dict(meta["config"], num_replicas=replicas)
    name = config["name"]
    with contextlib.suppress(BackupError):
        await api(nc, f"STREAM.DELETE.{name}", None)
    started = await api(nc, f"STREAM.RESTORE.{name}", {"config": config, "state": meta["state"]})
    deliver = started["deliver_subject"]
    with src.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            reply = await nc.request(deliver, chunk, timeout=60)
            if reply.data and b"error" in reply.data:
                raise BackupError(f"restore of {name}: {reply.data.decode()}")
    done = await nc.request(deliver, b"", timeout=300)
    result = json.loads(done.data or b"{}")
    if "error" in result:
        raise BackupError(f"restore of {name}: {result['error'].get('description', result)}")
    return int(result.get("state", {}).get("messages", 0))


async def ids_since(nc: Client, stream: str, since: datetime) -> set[str]:
    """The `Nats-Msg-Id` of every message a stream stored since `since` (headers only)."""
    js = nc.jetstream()
    info = await js.stream_info(stream)
    config = ConsumerConfig(
        ack_policy=AckPolicy.NONE,
        deliver_policy=DeliverPolicy.BY_START_TIME,
        opt_start_time=since.astimezone(UTC),
        headers_only=True,
        inactive_threshold=60.0,
    )
    sub = await js.pull_subscribe("", stream=stream, config=config)
    found: set[str] = set()
    try:
        while True:
            try:
                batch = await sub.fetch(500, timeout=2)
            except nats.errors.TimeoutError:
                break
            for msg in batch:
                found.add((msg.headers or {}).get("Nats-Msg-Id", ""))
                if msg.metadata.sequence.stream >= info.state.last_seq:
                    return found
    finally:
        await sub.unsubscribe()
    return found


@contextlib.asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[Client]:
    """A connection to NATS; in the embedded mode a nats-server is started if none answers."""
    from kelisim.supervision.system import nats_address, port_in_use

    server: subprocess.Popen[bytes] | None = None
    if settings.nats_embedded and not port_in_use(*nats_address(settings.nats_url)):
        from kelisim.supervision.system import nats_server_binary, write_nats_config

        config = write_nats_config(settings)
        server = subprocess.Popen([nats_server_binary(), "-c", str(config)])
    try:
        nc = await _connect(settings.nats_url, wait=server is not None)
        try:
            yield nc
        finally:
            await nc.drain()
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)


async def _connect(url: str, *, wait: bool) -> Client:
    servers = [part.strip() for part in url.split(",")]
    for attempt in range(100 if wait else 1):
        try:
            nc: Client = await nats.connect(
                servers, connect_timeout=5, allow_reconnect=False, max_reconnect_attempts=0
            )
            await api(nc, "INFO", None, timeout=10)
            return nc
        except Exception as exc:  # noqa: BLE001 - reported below once attempts are spent
            error = exc
            if attempt < (99 if wait else 0):
                await asyncio.sleep(0.1)
    raise BackupError(f"cannot reach JetStream at {url}: {error.__class__.__name__}: {error}")
