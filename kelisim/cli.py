"""The `kelisim` command: up, migrate, audit verify, events replay, keys (and serve, for `up`).

Services and the gateway are loaded by module name (importlib), never imported here, so the
shared library keeps depending on no service. The commands that work on the databases live
in kelisim/operations.py; this module is the grammar, `up`, `serve` and `keys`. It imports
only what `up` needs at module level: the supervisor stays a small process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import logging
import subprocess
import sys
import time
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

import structlog
from pydantic import ValidationError

from kelisim import logging as kelisim_logging
from kelisim import production
from kelisim.operations import (
    Unusable,
    backbone_of,  # noqa: F401 - used by the fault suite as kelisim.cli.backbone_of
    cmd_analytics_rebuild,
    cmd_audit_anchor,
    cmd_audit_verify,
    cmd_backup,
    cmd_events_replay,
    cmd_migrate,
    cmd_restore,
    cmd_status,
    has_migrations,  # noqa: F401 - used by the tests as kelisim.cli.has_migrations
    migrate,
    migrated_owners,
    open_data_dir,
)
from kelisim.settings import SERVICES, Settings
from kelisim.supervision import Supervisor, SupervisorError, present, present_owners

_T = TypeVar("_T")

log = structlog.get_logger("kelisim.cli")
DEMO_ADMIN = ("admin", "demo")


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
        # KELISIM_DEMO: the gateway is not ready until the demo is made (settings.demo_marker).
        extra_env = {f"KELISIM_{key.upper()}": value for key, value in admin.items()}
        extra_env["KELISIM_DEMO"] = "true"
        settings = settings.model_copy(update={**admin, "demo": True})
    open_data_dir(settings)
    supervisor = Supervisor(settings)
    env = supervisor.env(extra_env)

    # Keys, migrations and demo data run in short-lived children: they import every
    # service's models, Alembic and httpx, which the long-lived supervisor never needs again.
    def prepare() -> None:
        done = subprocess.run([sys.executable, "-m", "kelisim.cli", "prepare"], env=env)
        if done.returncode != 0:
            raise SupervisorError(f"preparing the keys and databases failed ({done.returncode})")

    # The demo's child starts with the apps and loads its modules meanwhile (seconds on a busy
    # machine); it makes the demo when `seed` tells it the gateway's address, and exits
    # doing nothing when its stdin closes untold (a start that failed or was stopped).
    demo = (
        subprocess.Popen(
            [sys.executable, "-m", "kelisim.cli", "demo-data", "-"], env=env, stdin=subprocess.PIPE
        )
        if args.demo
        else None
    )

    def seed(url: str) -> None:
        assert demo is not None and demo.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it exited early: its code says why
            demo.stdin.write(f"{url}\n".encode())
            demo.stdin.close()
        while demo.poll() is None:
            if supervisor.stopping:  # Ctrl-C while the demo is being made: stop it too
                demo.terminate()
                demo.wait(10)
                return
            time.sleep(0.1)
        if demo.returncode != 0:  # ready means usable: no demo, no ready demo system
            raise SupervisorError(f"the demo data could not be created ({demo.returncode})")

    try:
        return supervisor.run(prepare, seed if demo is not None else None, extra_env)
    finally:
        if demo is not None and demo.poll() is None:  # never told: it exits on the closed stdin
            with contextlib.suppress(BrokenPipeError):
                demo.stdin.close()  # type: ignore[union-attr]
            try:
                demo.wait(10)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait(5)


def cmd_prepare(_args: argparse.Namespace, settings: Settings) -> int:
    """The keys at first start, then every database to head (run by `up` as a child)."""
    from kelisim.anchors import ensure_audit_key
    from kelisim.auth import ensure_keypair
    from kelisim.signing import ensure_certificate

    ensure_keypair(settings)
    ensure_audit_key(settings)
    ensure_certificate(settings)
    migrate(settings)
    return 0


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    """Have the gateway's demo module create the demo users and data (run by `up --demo`)."""
    url = args.url
    module = importlib.import_module("gateway.demo") if present("gateway", "demo") else None
    if url == "-":  # started early by `up --demo`: the address comes once the gateway serves
        try:
            url = sys.stdin.readline().strip()
        except KeyboardInterrupt:  # Ctrl-C reaches the whole terminal's group: up stops
            return 130
        if not url:
            return 0  # never told: the start failed or was stopped
    if module is None:
        print("Demo data: gateway.demo is not installed yet; starting without demo data.")
        settings.demo_marker.write_text("none\n")
        return 0
    try:
        result = module.seed_demo(url, settings.admin_username, settings.admin_password)
        if inspect.isawaitable(result):
            asyncio.run(_await(result))
    except Exception as exc:  # noqa: BLE001 - one line for the operator; `up` then stops
        log.error("demo.failed", error=repr(exc))
        print(f"Demo data could not be created: {exc}", file=sys.stderr)
        return 1
    # The gateway's /readyz (KELISIM_DEMO) waits for this: the demo users can log in now.
    settings.demo_marker.write_text(f"{datetime.now(UTC).isoformat()}\n")
    admin = settings.admin_username or "admin"
    admin += "/demo" if settings.admin_password == "demo" else ""
    print(
        f"Demo data ready at {url}: {admin}, and mediator, coordinator, council_secretary, "
        "council_member, liaison, analyst with the password demo (region KZ-75).",
        flush=True,
    )
    return 0


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from kelisim import serving  # uvicorn: only for the processes that serve

    if args.owner == "all":
        if args.port:
            print(
                "kelisim serve all: --port is one app's; each app listens on its own "
                "KELISIM_<APP>_PORT (KELISIM_GATEWAY_PORT, KELISIM_CASES_PORT, ...)",
                file=sys.stderr,
            )
            return 2
        settings = settings.model_copy(update={"host": args.host or settings.host})
        prepare = partial(cmd_prepare, args, settings) if args.prepare else None
        return serving.serve_all(settings, present_owners("app"), prepare)
    if args.prepare:
        print(
            f"kelisim serve {args.owner}: --prepare is for `serve all`; "
            f"`kelisim migrate --only {args.owner}` migrates one database",
            file=sys.stderr,
        )
        return 2
    port = args.port or getattr(settings, f"{args.owner}_port")
    serving.serve_one(args.owner, args.host or settings.host, port)
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
    # `up`'s own short-lived children, runnable by hand too
    sub.add_parser(
        "prepare", help="create the keys if missing and migrate every database (run by `up`)"
    ).set_defaults(func=cmd_prepare, log_as="prepare")
    demo = sub.add_parser(
        "demo-data", help="create the demo users and data through a running gateway (`up --demo`)"
    )
    demo.add_argument("url", help="the gateway's address (-: read it from stdin, as `up` gives it)")
    demo.set_defaults(func=cmd_demo_data, log_as="demo")

    migrating = sub.add_parser("migrate", help="apply every database's migrations")
    # A Kubernetes init container migrates its own database only (it has no other URL).
    migrating.add_argument(
        "--only",
        action="append",
        choices=["gateway", *SERVICES],
        help="only this database (repeatable)",
    )
    migrating.set_defaults(func=cmd_migrate, log_as="migrate")

    serve = sub.add_parser(
        "serve", help="run one service or the gateway, or all in one process (used by `up`)"
    )
    serve.add_argument(
        "owner", choices=["gateway", *SERVICES, "all"], help="what to run; all: every one"
    )
    serve.add_argument("--host", help="the address to listen on")
    serve.add_argument("--port", type=int, help="the port to listen on")
    serve.add_argument("--prepare", action="store_true", help="keys and migrations first")
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

    checking = sub.add_parser(
        "status", help="whether Kelisim runs here and what each app reports (exit 1 if unwell)"
    )
    checking.add_argument("--json", action="store_true", help="the whole report as JSON")
    checking.set_defaults(func=cmd_status, log_as="status")

    saving = sub.add_parser("backup", help="copy the streams, databases and keys to a folder")
    saving.add_argument("folder", type=Path, help="a new (or empty) folder")
    saving.set_defaults(func=cmd_backup, log_as="backup")
    restoring = sub.add_parser("restore", help="restore a backup (Kelisim stopped)")
    restoring.add_argument("folder", type=Path, help="a folder written by `kelisim backup`")
    restoring.add_argument("--yes", action="store_true", help="replace what is there")
    restoring.set_defaults(func=cmd_restore, log_as="restore")

    sub.add_parser("keys", help="create the token key pair if missing").set_defaults(
        func=cmd_keys, log_as="keys"
    )
    return top


def refuse_unsafe(args: argparse.Namespace, settings: Settings) -> None:
    """Production's refusals for the owners this command touches (kelisim/production.py)."""
    if args.func is cmd_serve:
        owners = present_owners("app") if args.owner == "all" else [args.owner]
        production.refuse_unsafe(settings, owners, secrets=True)
    elif args.func is cmd_up:
        owners = present_owners("app")
        production.refuse_unsafe(settings, owners, secrets=True, embedded_nats=True)
    elif args.func is cmd_migrate and args.only:
        production.refuse_unsafe(settings, args.only, secrets=False)
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
    owner = getattr(args, "owner", None)
    kelisim_logging.configure(
        settings.log_level,
        json=settings.log_json,
        # `serve all`: each app's lines name that app (kelisim/serving.py binds it per app)
        service=args.log_as or (None if owner == "all" else owner),
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
