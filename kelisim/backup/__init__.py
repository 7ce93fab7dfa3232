"""`kelisim backup` / `kelisim restore`: streams, databases and keys, with a checksummed manifest.

Order matters. The JetStream streams are snapshotted first (the server's snapshot API, with
their durable consumers), the databases after them (SQLite's online backup API, `pg_dump
--format=custom` for PostgreSQL). So a consumer's acknowledged position in the snapshot is
never ahead of the inbox in its restored database (a redelivery is dropped by the inbox),
and an event published between the snapshot and the database copy is in a restored outbox
as sent but missing from the restored stream: `restore` queues again every event sent since
the snapshot began (`replay_since` in the manifest) that the restored streams lack (their
`Nats-Msg-Id` since then are read), and the relays publish it with its original id.
The outbox must therefore keep sent events at least as long as the interval between
backups (KELISIM_OUTBOX_RETENTION_DAYS * 24 >= KELISIM_BACKUP_INTERVAL_HOURS, checked by
Settings).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kelisim.backup.common import BackupError, sha256
from kelisim.backup.databases import Owner, copy_database, restore_database
from kelisim.backup.streams import api, connected, ids_since, restore_stream, snapshot_stream
from kelisim.settings import Settings
from kelisim.tables import Backbone

__all__ = [
    "FORMAT",
    "MANIFEST",
    "REPLAY_MARGIN",
    "BackupError",
    "Owner",
    "backup",
    "check",
    "connected",
    "copy_database",
    "ids_since",
    "owners",
    "reopen",
    "restore",
    "restore_database",
    "restore_stream",
    "sha256",
    "snapshot_stream",
]

MANIFEST = "manifest.json"
FORMAT = 1
# Clocks of the database and of this host may differ a little; replay a bit more than needed.
REPLAY_MARGIN = timedelta(minutes=5)


def reopen(engine: Engine, tables: Backbone, since: datetime, published: set[str]) -> int:
    """After a database's restore: free the leases of processes long gone, and queue again
    the events sent since `since` that the restored streams lack; returns how many."""
    from kelisim.bus.relay import requeue_sent_since

    with engine.begin() as conn:
        conn.execute(tables.lease.delete())
    return requeue_sent_since(engine, tables, since, published)


def owners(settings: Settings, names: list[str]) -> list[Owner]:
    return [Owner(name, settings.database_url(name)) for name in names]


async def backup(
    settings: Settings, names: list[str], dest: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Write a backup into `dest` (a new folder); returns the manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new folder")
    for sub in ("streams", "databases"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)  # it holds every database (and, in the embedded mode, the keys)
    started = datetime.now(UTC)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "started_at": started.isoformat(),
        "replay_since": (started - REPLAY_MARGIN).isoformat(),
        "streams": {},
        "databases": {},
        "files": {},
    }
    async with connected(settings) as nc:
        listing = await api(nc, "STREAM.NAMES", None)
        for name in sorted(listing.get("streams") or []):
            out = dest / "streams" / f"{name}.tar.s2"
            meta = await snapshot_stream(nc, name, out)
            (dest / "streams" / f"{name}.json").write_text(json.dumps(meta, indent=1))
            manifest["streams"][name] = {"messages": meta["state"].get("messages", 0)}
            say(f"stream {name}: {meta['state'].get('messages', 0)} messages")
    for owner in owners(settings, names):
        await asyncio.to_thread(copy_database, owner, dest / owner.file)
        kind = "postgresql" if owner.postgres else "sqlite"
        manifest["databases"][owner.name] = {"kind": kind, "file": owner.file}
        say(f"database {owner.name}: {kind}")
    keys = settings.keys_dir
    if keys.is_dir() and any(keys.iterdir()):
        shutil.copytree(keys, dest / "keys")
        say("keys: copied (keep this backup as secret as the keys)")
    manifest["finished_at"] = datetime.now(UTC).isoformat()
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        rel = path.relative_to(dest).as_posix()
        manifest["files"][rel] = {"sha256": sha256(path), "bytes": path.stat().st_size}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def check(src: Path) -> dict[str, Any]:
    """The manifest of a backup whose every file matches its checksum, else `BackupError`."""
    try:
        manifest: dict[str, Any] = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src}: no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src}: backup format {manifest.get('format')}, expected {FORMAT}")
    for rel, entry in manifest["files"].items():
        path = src / rel
        if not path.is_file() or sha256(path) != entry["sha256"]:
            raise BackupError(f"{path}: missing or its checksum differs from the manifest")
    return manifest


async def restore(
    settings: Settings, names: list[str], src: Path, say: Callable[[str], None]
) -> dict[str, int]:
    """Restore keys, streams and databases from `src`, then queue the outbox window again."""
    from kelisim.db import make_engine
    from kelisim.operations import backbone_of

    manifest = check(src)
    missing = [n for n in names if n not in manifest["databases"]]
    if missing:
        raise BackupError(f"{src}: no copy of the database of {', '.join(missing)}")
    if (src / "keys").is_dir():
        settings.keys_dir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src / "keys", settings.keys_dir, dirs_exist_ok=True)
        say("keys: restored")
    since = datetime.fromisoformat(manifest["replay_since"])
    published: set[str] = set()
    async with connected(settings) as nc:
        for name in manifest["streams"]:
            meta = json.loads((src / "streams" / f"{name}.json").read_text())
            count = await restore_stream(
                nc, meta, src / "streams" / f"{name}.tar.s2", settings.stream_replicas
            )
            if count:
                published |= await ids_since(nc, name, since)
            say(f"stream {name}: {count} messages")
    replayed: dict[str, int] = {}
    for owner in owners(settings, names):
        await asyncio.to_thread(
            restore_database, owner, src / manifest["databases"][owner.name]["file"]
        )
        engine = make_engine(owner.url, null_pool=True)
        try:
            replayed[owner.name] = reopen(engine, backbone_of(owner.name), since, published)
        finally:
            engine.dispose()
        say(f"database {owner.name}: restored, {replayed[owner.name]} events queued again")
    return replayed
