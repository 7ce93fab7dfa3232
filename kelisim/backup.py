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
import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url

from kelisim.settings import Settings
from kelisim.tables import Backbone

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 128 * 1024
# Clocks of the database and of this host may differ a little; replay a bit more than needed.
REPLAY_MARGIN = timedelta(minutes=5)
API = "$JS.API"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what and where."""


@dataclass
class Owner:
    """One database to copy: its owner's name and URL."""

    name: str
    url: str

    @property
    def postgres(self) -> bool:
        return make_url(self.url).get_backend_name() == "postgresql"

    @property
    def file(self) -> str:
        return f"databases/{self.name}.{'dump' if self.postgres else 'db'}"


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- JetStream ---------------------------------------------------------------------------------


async def _api(nc: Client, subject: str, body: dict[str, Any] | None, timeout: float = 30) -> Any:
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
        info: dict[str, Any] = await _api(nc, f"STREAM.SNAPSHOT.{name}", body)
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
        await _api(nc, f"STREAM.DELETE.{name}", None)
    started = await _api(nc, f"STREAM.RESTORE.{name}", {"config": config, "state": meta["state"]})
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
            await _api(nc, "INFO", None, timeout=10)
            return nc
        except Exception as exc:  # noqa: BLE001 - reported below once attempts are spent
            error = exc
            if attempt < (99 if wait else 0):
                await asyncio.sleep(0.1)
    raise BackupError(f"cannot reach JetStream at {url}: {error.__class__.__name__}: {error}")


# -- databases ---------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts)
    if versions:
        return str(versions[-1])
    raise BackupError(f"{name} not found: install the PostgreSQL client tools (postgresql-client)")


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq options and environment for a URL (the password in PGPASSWORD, not in argv)."""
    parsed: URL = make_url(url)
    args = ["--dbname", parsed.database or "postgres"]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
        raise BackupError(f"{what}: {first}")


def copy_database(owner: Owner, out: Path) -> None:
    """A consistent copy of a live database (SQLite backup API or pg_dump)."""
    if owner.postgres:
        args, env = _pg_args(owner.url)
        dump = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out)]
        _run([*dump, *args], env, f"pg_dump of {owner.name}")
        return
    path = Path(make_url(owner.url).database or "")
    if not path.exists():
        raise BackupError(f"{owner.name}: no database at {path}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(out)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def restore_database(owner: Owner, src: Path) -> None:
    """Replace a database by its copy (the processes using it must be stopped)."""
    if owner.postgres:
        _ensure_postgres_database(owner.url)
        args, env = _pg_args(owner.url)
        restore = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner"]
        restore += ["--single-transaction", "--exit-on-error"]
        _run([*restore, *args, str(src)], env, f"pg_restore of {owner.name}")
        return
    path = Path(make_url(owner.url).database or "")
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(src, path)


def _ensure_postgres_database(url: str) -> None:
    from kelisim.db import make_engine

    parsed = make_url(url)
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).first()
            if not found:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


# -- the commands ------------------------------------------------------------------------------


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
        listing = await _api(nc, "STREAM.NAMES", None)
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
