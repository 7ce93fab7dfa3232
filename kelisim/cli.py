"""The `kelisim` command: up, migrate, audit verify, events replay, keys (and serve, for `up`).

Services and the gateway are loaded by module name (importlib), never imported here, so the
shared library keeps depending on no service.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import inspect
import logging
import sys
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import structlog
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from kelisim import logging as kelisim_logging
from kelisim import production
from kelisim.settings import SERVICES, Settings
from kelisim.supervision import Supervisor, owner_module, present, present_owners
from kelisim.tables import Backbone

if TYPE_CHECKING:
    from kelisim import anchors as anchors_t

_T = TypeVar("_T")

log = structlog.get_logger("kelisim.cli")
DEMO_ADMIN = ("admin", "demo")


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


def migrate(settings: Settings) -> list[str]:
    """Bring every present owner's database to head; returns the owners migrated."""
    from kelisim import migrations

    owners = migrated_owners()
    for owner in owners:
        url = settings.database_url(owner)
        try:
            migrations.upgrade(owner, url)
        except (DBAPIError, OSError) as exc:
            raise Unusable(database_unusable(owner, url, exc)) from exc
        log.info("migrated", owner=owner)
    return owners


def database_unusable(owner: str, url: str, exc: DBAPIError | OSError) -> str:
    """One line: which database (password hidden), the driver's first line, what to do."""
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
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists()


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    extra_env: dict[str, str] = {}
    if args.demo:
        if settings.env == "production":
            print("kelisim up --demo: refused, KELISIM_ENV=production", file=sys.stderr)
            return 2
        admin = {
            "admin_username": settings.admin_username or DEMO_ADMIN[0],
            "admin_password": settings.admin_password or DEMO_ADMIN[1],
        }
        extra_env = {f"KELISIM_{key.upper()}": value for key, value in admin.items()}
        settings = settings.model_copy(update=admin)
    open_data_dir(settings)

    def prepare() -> None:
        from kelisim.anchors import ensure_audit_key
        from kelisim.auth import ensure_keypair
        from kelisim.signing import ensure_certificate

        ensure_keypair(settings)
        ensure_audit_key(settings)
        ensure_certificate(settings)
        migrate(settings)

    def seed(url: str) -> None:
        seed_demo(url, settings)

    supervisor = Supervisor(settings)
    return supervisor.run(prepare, seed if args.demo else None, extra_env)


def seed_demo(url: str, settings: Settings) -> None:
    """Ask the gateway's demo module to create the demo users and data."""
    if not present("gateway", "demo"):
        print("Demo data: gateway.demo is not installed yet; starting without demo data.")
        return
    module = importlib.import_module("gateway.demo")
    try:
        result = module.seed_demo(url, settings.admin_username, settings.admin_password)
        if inspect.isawaitable(result):
            asyncio.run(_await(result))
    except Exception as exc:  # noqa: BLE001 - the system keeps running without demo data
        log.error("demo.failed", error=repr(exc))
        print(f"Demo data could not be created: {exc}", file=sys.stderr)
        return
    admin = settings.admin_username or "admin"
    admin += "/demo" if settings.admin_password == "demo" else ""
    print(
        f"Demo data ready at {url}: {admin}, and mediator, coordinator, council_secretary, "
        "council_member, liaison, analyst with the password demo (region KZ-75).",
        flush=True,
    )


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        f"{owner_module(args.owner)}.app:build_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or getattr(settings, f"{args.owner}_port"),
        log_config=None,
        access_log=False,
        # Proxy headers are the gateway's business (KELISIM_FORWARDED_ALLOW_IPS): uvicorn's
        # default would believe any X-Forwarded-For from 127.0.0.1, i.e. from anyone local.
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
    return 0


def cmd_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    if any(not getattr(settings, f"{owner}_database_url") for owner in migrated_owners()):
        open_data_dir(settings)
    owners = migrate(settings)
    print("migrated: " + ", ".join(owners))
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
    owners = migrated_owners()
    if args.service:
        if args.service not in owners:
            print(f"unknown service {args.service!r}; known: {', '.join(owners)}", file=sys.stderr)
            return 2
        owners = [args.service]
    for owner in owners:
        url = settings.database_url(owner)
        if _sqlite_missing(url):
            continue
        engine = make_engine(url, null_pool=True)
        try:
            count = requeue_since(engine, backbone_of(owner), since)
        finally:
            engine.dispose()
        print(f"{owner}: {count} events queued again for publishing")
    print("The relays publish them with their original ids; consumers drop what they applied.")
    return 0


def cmd_analytics_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the analytics database from the streams (the service module does the work)."""
    module = importlib.import_module("services.analytics.rebuild")
    result = asyncio.run(module.rebuild(settings, args.database_url))
    for stream, count in result.events.items():
        print(f"{stream}: {count} events applied")
    return 0


def iso_time(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is taken as UTC."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def cmd_keys(_args: argparse.Namespace, settings: Settings) -> int:
    from kelisim.anchors import ensure_audit_key
    from kelisim.auth import ensure_keypair
    from kelisim.signing import ensure_certificate

    ensure_audit_key(settings, explicit=True)
    ensure_certificate(settings)
    if settings.token_private_key:
        print("token keys come from KELISIM_TOKEN_PRIVATE_KEY / KELISIM_TOKEN_PUBLIC_KEY")
        return 0
    ensure_keypair(settings)
    print(f"token, audit and document-signing keys: {settings.keys_dir.resolve()}")
    return 0


def version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("kelisim")
    except PackageNotFoundError:
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    top = argparse.ArgumentParser(prog="kelisim", description="Kelisim operations.")
    top.add_argument("--version", action="version", version=f"kelisim {version()}")
    sub = top.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run nats-server, the services and the gateway")
    up.add_argument("--demo", action="store_true", help="create demo users and data")
    up.set_defaults(func=cmd_up, log_as="supervisor")

    sub.add_parser("migrate", help="apply every database's migrations").set_defaults(
        func=cmd_migrate, log_as="migrate"
    )

    serve = sub.add_parser("serve", help="run one service or the gateway (used by `up`)")
    serve.add_argument("owner", choices=["gateway", *SERVICES])
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve, log_as=None)

    audit = sub.add_parser("audit", help="audit log tools").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser(
        "verify", help="walk every audit chain and check it against its signed checkpoints"
    )
    verify.add_argument(
        "--offline", action="store_true", help="check the chains alone, without NATS"
    )
    verify.set_defaults(func=cmd_audit_verify, log_as="audit")
    audit.add_parser("anchor", help="sign and publish every chain head now").set_defaults(
        func=cmd_audit_anchor, log_as="audit"
    )

    events = sub.add_parser("events", help="event tools").add_subparsers(
        dest="events_command", required=True
    )
    replay = events.add_parser("replay", help="publish sent outbox events again")
    replay.add_argument(
        "--since", required=True, type=iso_time, help="ISO time, e.g. 2026-01-31T12:00Z"
    )
    replay.add_argument("--service", help="only this service's outbox")
    replay.set_defaults(func=cmd_events_replay, log_as="replay")

    analytics = sub.add_parser("analytics", help="analytics tools").add_subparsers(
        dest="analytics_command", required=True
    )
    rebuild = analytics.add_parser(
        "rebuild", help="rebuild the statistical database from the streams (service stopped)"
    )
    rebuild.add_argument("--database-url", help="rebuild into this database instead")
    rebuild.set_defaults(func=cmd_analytics_rebuild, log_as="analytics")

    sub.add_parser("keys", help="create the token key pair if missing").set_defaults(
        func=cmd_keys, log_as="keys"
    )
    return top


def refuse_unsafe(args: argparse.Namespace, settings: Settings) -> None:
    """Production's refusals for the owners this command touches (kelisim/production.py)."""
    if args.func is cmd_serve:
        production.refuse_unsafe(settings, [args.owner], secrets=True)
    elif args.func is cmd_up:
        owners = present_owners("app")
        production.refuse_unsafe(settings, owners, secrets=True, embedded_nats=True)
    elif args.func is not cmd_keys:
        production.refuse_unsafe(settings, migrated_owners(), secrets=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kelisim` command: an operator's mistake is one line, not a traceback."""
    args = parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "KELISIM_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        print(f"kelisim: {name}: {first['msg']}", file=sys.stderr)
        return 2
    kelisim_logging.configure(
        settings.log_level,
        json=settings.log_json,
        service=args.log_as or getattr(args, "owner", None),
    )
    for noisy in ("httpx", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = settings.model_copy(update={"data_dir": settings.data_dir.resolve()})
    try:
        refuse_unsafe(args, settings)
        return int(args.func(args, settings) or 0)
    except production.Refused as exc:
        print(exc, file=sys.stderr)
        return 2
    except Unusable as exc:
        print(f"kelisim: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
