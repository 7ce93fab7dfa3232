"""The `kelisim` commands that work on the databases: migrate, audit, events replay, rebuild.

Long ones show their progress (kelisim/progress.py). Owners are found by module name
(importlib), never imported here, so the shared library depends on no service.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from kelisim.progress import Progress
from kelisim.settings import Settings
from kelisim.supervision.system import PidFile, owner_module, present_owners

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

    from kelisim import anchors as anchors_t
    from kelisim.tables import Backbone

log = structlog.get_logger("kelisim.cli")


def has_migrations(owner: str) -> bool:
    """Whether an owner's package ships an alembic.ini (its migrations)."""
    try:
        spec = importlib.util.find_spec(owner_module(owner))
    except ModuleNotFoundError:
        return False
    if spec is None or not spec.origin:
        return False
    return (Path(spec.origin).parent / "alembic.ini").exists()


def migrated_owners() -> list[str]:
    """The owners that exist and own a database."""
    return [owner for owner in present_owners("models") if has_migrations(owner)]


class Unusable(Exception):
    """A data folder or database the command cannot open; the message says which and why."""


def migrate(
    settings: Settings, progress: Progress | None = None, only: Sequence[str] = ()
) -> list[str]:
    """Bring every present owner's database (or those in `only`) to head; returns them."""
    from sqlalchemy.exc import DBAPIError

    from kelisim import migrations

    owners = [owner for owner in migrated_owners() if not only or owner in only]
    for owner in owners:
        if progress is not None:
            progress.show(owner)
        url = settings.database_url(owner)
        try:
            migrations.upgrade(owner, url)
        except (DBAPIError, OSError) as exc:
            raise Unusable(database_unusable(owner, url, exc)) from exc
        log.info("migrated", owner=owner)
        if progress is not None:
            progress.advance()
    return owners


def database_unusable(owner: str, url: str, exc: DBAPIError | OSError) -> str:
    """One line: which database (password hidden), the driver's first line, what to do."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    shown = make_url(url).render_as_string(hide_password=True)
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    reason = (str(cause).strip().splitlines() or [exc.__class__.__name__])[0]
    return (
        f"{owner}: cannot open the database {shown}: {reason}; check "
        f"KELISIM_{owner.upper()}_DATABASE_URL, that the server runs and the path is writable"
    )


def open_data_dir(settings: Settings) -> None:
    """Create the data folder (and check it is writable) or raise `Unusable`."""
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".kelisim-write-check"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise Unusable(
            f"cannot use the data folder {path}: {exc.strerror or exc}; "
            "set KELISIM_DATA_DIR to a writable folder"
        ) from exc


def backbone_of(owner: str) -> Backbone:
    """The backbone tables of an owner, from `<package>.models.backbone`."""
    backbone: Backbone = importlib.import_module(f"{owner_module(owner)}.models").backbone
    return backbone


def _sqlite_missing(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists()


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    only = args.only or []
    chosen = [owner for owner in migrated_owners() if not only or owner in only]
    if any(not getattr(settings, f"{owner}_database_url") for owner in chosen):
        open_data_dir(settings)
    progress = Progress("migrating", len(chosen), "databases")
    owners = migrate(settings, progress, only)
    progress.finish(f"migrated {len(owners)} databases: " + ", ".join(owners))
    return 0


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from kelisim import anchors
    from kelisim.audit import verify
    from kelisim.db import make_engine

    checkpoints: anchors.Checkpoints | None = None
    if not args.offline:
        try:
            checkpoints = asyncio.run(_read_checkpoints(settings))
        except Exception as exc:  # noqa: BLE001 - report why the anchors could not be read
            print(
                f"checkpoints: cannot read the AUDIT stream at {settings.nats_url}: "
                f"{exc.__class__.__name__}: {exc} (use --offline to check the chains alone)"
            )
            return 2
        if checkpoints.forged:
            print(f"checkpoints: {checkpoints.forged} with a wrong signature (forged)")
    broken = 1 if checkpoints is not None and checkpoints.forged else 0
    for owner in migrated_owners():
        url = settings.database_url(owner)
        if _sqlite_missing(url):
            print(f"{owner}: no database yet")
            continue
        signed = checkpoints.by_owner.get(owner, []) if checkpoints else []
        engine = make_engine(url, null_pool=True)
        try:
            result = verify(engine, backbone_of(owner), {cp.seq for cp in signed})
        except Exception as exc:  # noqa: BLE001 - e.g. not migrated: report, don't crash
            print(f"{owner}: cannot read the audit log: {exc.__class__.__name__}: {exc}")
            broken += 1
            continue
        finally:
            engine.dispose()
        if not result.ok:
            broken += 1
            print(
                f"{owner}: BROKEN at seq {result.at_seq}: {result.problem} "
                f"({result.entries} entries verified before it)"
            )
            continue
        contradiction = anchors.compare(result, signed)
        if contradiction:
            broken += 1
            print(f"{owner}: TAMPERED: {contradiction}")
            continue
        anchored = max((cp.seq for cp in signed), default=0)
        note = f", anchored up to seq {anchored} ({len(signed)} checkpoints)"
        note = "" if args.offline else note
        print(f"{owner}: {result.entries} entries, chain intact{note}")
    return 1 if broken else 0


async def _read_checkpoints(settings: Settings) -> anchors_t.Checkpoints:
    from kelisim import anchors
    from kelisim.bus.connection import Bus
    from kelisim.bus.streams import ensure_streams

    key = anchors.load_verify_key(settings)
    bus = Bus(settings.nats_url, "kelisim-audit")
    await asyncio.wait_for(bus.connect(retry_forever=False), 10)
    try:
        assert bus.js is not None
        await ensure_streams(bus.js, settings)
        return await anchors.read_checkpoints(bus.js, key)
    finally:
        await bus.close()


def cmd_audit_anchor(_args: argparse.Namespace, settings: Settings) -> int:
    """Sign and publish every owner's chain head now."""
    return asyncio.run(_anchor_all(settings))


async def _anchor_all(settings: Settings) -> int:
    from kelisim import anchors
    from kelisim.bus.connection import Bus
    from kelisim.bus.streams import ensure_streams
    from kelisim.db import make_engine

    try:
        anchors.ensure_audit_key(settings)
        key = anchors.load_signing_key(settings)
    except anchors.AnchorError as exc:
        print(f"audit anchor: {exc}")
        return 2
    bus = Bus(settings.nats_url, "kelisim-audit")
    await asyncio.wait_for(bus.connect(retry_forever=False), 10)
    failed = 0
    try:
        assert bus.js is not None
        await ensure_streams(bus.js, settings)
        for owner in migrated_owners():
            url = settings.database_url(owner)
            if _sqlite_missing(url):
                continue
            engine = make_engine(url, null_pool=True)
            try:
                cp = await anchors.publish_head(bus.js, engine, backbone_of(owner), owner, key)
            except anchors.AnchorError as exc:
                failed += 1
                print(f"{owner}: {exc}")
                continue
            finally:
                engine.dispose()
            print(f"{owner}: anchored at seq {cp.seq}" if cp else f"{owner}: empty chain")
    finally:
        await bus.close()
    return 1 if failed else 0


def cmd_events_replay(args: argparse.Namespace, settings: Settings) -> int:
    from kelisim.bus.relay import requeue_since
    from kelisim.db import make_engine

    since = args.since
    results: list[str] = []
    owners = migrated_owners()
    if args.service:
        if args.service not in owners:
            print(f"unknown service {args.service!r}; known: {', '.join(owners)}", file=sys.stderr)
            return 2
        owners = [args.service]
    progress = Progress("replaying", len(owners), "outboxes")
    total = 0
    for owner in owners:
        url = settings.database_url(owner)
        if _sqlite_missing(url):
            progress.advance(note=owner)
            continue
        progress.show(owner)
        engine = make_engine(url, null_pool=True)
        try:
            count = requeue_since(engine, backbone_of(owner), since)
        finally:
            engine.dispose()
        total += count
        progress.advance(note=f"{owner}: {count} events")
        results.append(f"{owner}: {count} events queued again for publishing")
    progress.finish(f"{total} events queued again from {len(owners)} outboxes")
    print("\n".join(results))
    print("The relays publish them with their original ids; consumers drop what they applied.")
    return 0


def cmd_analytics_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the analytics database from the streams (the service module does the work)."""
    module = importlib.import_module("services.analytics.rebuild")
    progress = Progress("rebuilding analytics", 0, "events")
    result = asyncio.run(module.rebuild(settings, args.database_url, progress))
    applied = sum(result.events.values())
    progress.finish(f"analytics rebuilt: {applied} events applied of {progress.done} read")
    for stream, count in result.events.items():
        print(f"{stream}: {count} events applied")
    return 0


def app_status(settings: Settings, owner: str) -> dict[str, Any]:
    """What one app reports on `/status`, or why it reports nothing."""
    from kelisim.supervision.health import http_get

    base = (
        f"http://{settings.host}:{settings.gateway_port}"
        if owner == "gateway"
        else settings.service_url(owner)
    )
    answer = http_get(f"{base}/status", timeout=5, limit=1 << 16)
    if answer is None:
        return {"answering": False, "url": base}
    status, body = answer
    try:
        found = json.loads(body)
    except ValueError:
        found = None
    if status != 200 or not isinstance(found, dict):
        return {"answering": False, "url": base, "http_status": status}
    return {"answering": True, **found}


def app_healthy(found: dict[str, Any]) -> bool:
    """Ready, on NATS, and every consumer running (what `/status` says; absent means n/a)."""
    consumers = found.get("consumers") or {}
    return (
        bool(found.get("answering"))
        and bool(found.get("ready"))
        and found.get("nats", True) is True
        and all(consumers.values())
    )


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Whether Kelisim runs on this data folder and what each app reports; 0 when all is well."""
    holder = PidFile.of(settings).holder()
    apps = {owner: app_status(settings, owner) for owner in present_owners()}
    healthy = all(app_healthy(found) for found in apps.values())
    if args.json:
        print(json.dumps({"up_pid": holder, "healthy": healthy, "apps": apps}, indent=2))
        return 0 if healthy else 1
    folder = settings.data_dir.resolve()
    up = f"running, pid {holder}" if holder else f"not running on {folder}"
    print(f"kelisim up: {up}")
    for owner, found in apps.items():
        print(f"{owner:<14} {describe_app(found)}")
    return 0 if healthy else 1


def describe_app(found: dict[str, Any]) -> str:
    """One line of `kelisim status` for one app."""
    if not found["answering"]:
        code = found.get("http_status")
        return f"not answering at {found['url']}" + (f" (HTTP {code})" if code else "")
    words = ["ready" if found.get("ready") else "NOT READY"]
    if not found.get("ready"):
        failing = [name for name, ok in (found.get("checks") or {}).items() if not ok]
        words[0] += f" ({', '.join(failing)})" if failing else ""
    if "nats" in found:
        words.append("nats connected" if found["nats"] else "NATS DISCONNECTED")
    stopped = [name for name, ok in (found.get("consumers") or {}).items() if not ok]
    if found.get("consumers"):
        words.append(f"consumers STOPPED: {', '.join(stopped)}" if stopped else "consumers running")
    outbox = found.get("outbox") or {}
    if "backlog" in outbox:
        words.append(f"outbox {outbox['backlog']} unsent, oldest {outbox['oldest_age_seconds']} s")
    elif "error" in outbox:
        words.append(f"outbox unreadable ({outbox['error']})")
    return "; ".join(words)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Streams, then every database, then the keys, into a new folder with a manifest."""
    from kelisim import backup

    try:
        asyncio.run(backup.backup(settings, migrated_owners(), args.folder.resolve(), print))
    except backup.BackupError as exc:
        raise Unusable(f"backup: {exc}") from exc
    print(f"backup written to {args.folder.resolve()} (manifest.json holds the checksums)")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Check the manifest, restore keys, streams and databases, queue the outbox window."""
    from kelisim import backup

    if not args.yes:
        print("kelisim restore replaces every database and stream: add --yes", file=sys.stderr)
        return 2
    running = PidFile.of(settings).holder()
    if running is not None:
        # Its processes keep the old files open and would go on writing to them: a restore
        # under them splits every database in two and loses what is written after it.
        raise Unusable(
            f"restore: kelisim is running on this data folder (pid {running}): stop it first"
        )
    try:
        asyncio.run(backup.restore(settings, migrated_owners(), args.folder.resolve(), print))
    except backup.BackupError as exc:
        raise Unusable(f"restore: {exc}") from exc
    print("restored; start Kelisim: the relays publish the queued events with their original ids")
    return 0
