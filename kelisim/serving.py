"""Serving the web apps: one owner per process, or every owner in one process.

`kelisim serve cases` runs one app (a Kubernetes pod, or `kelisim up` with
`KELISIM_PROCESSES=per-service`). `kelisim serve all` runs every installed app in one
process, each on its own port as before, on one event loop: what `kelisim up` runs by
default, since one Python process holds the common stack (FastAPI, SQLAlchemy, nats-py, ...)
once instead of five times (issue 13's memory). The apps talk to each other over NATS
exactly as across processes; the gateway's calls to the services go straight to their apps
in this process (`kelisim.inprocess`), not through their ports, and nothing in the services
knows: each still listens on its port for whoever else calls it.

Apps are loaded by module name: the shared library depends on no service.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import importlib
import signal
from collections.abc import Callable, Iterator
from typing import Any

import structlog
import uvicorn

from kelisim import awake, tracing
from kelisim.inprocess import InProcess
from kelisim.settings import Settings
from kelisim.supervision.system import owner_module

log = structlog.get_logger("kelisim.serving")
GATEWAY = "gateway"  # the owner whose calls to the others go in-process (`neighbours`)


def config(app: Any, host: str, port: int) -> uvicorn.Config:
    """How every Kelisim app is served (the same in both shapes)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        # Proxy headers are the gateway's business (KELISIM_FORWARDED_ALLOW_IPS): uvicorn's
        # default would believe any X-Forwarded-For from 127.0.0.1, i.e. from anyone local.
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Load a process's apps without the cyclic garbage collector, then freeze what they made.

    Importing and building every app makes some 200,000 objects that live as long as the
    process. With the collector on, the imports paid for collections that find nothing to
    free (about 150 ms of a 1.9 s start), and afterwards each full collection walked them all
    again: 100 ms on this machine, a pause of every request and delivery on the event loop.
    `gc.freeze()` moves them out of the collector's generations, as the Python documentation
    suggests for objects made at start-up; what is made afterwards is collected as before.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def serve_one(owner: str, host: str, port: int) -> None:
    """One app in this process, until SIGINT or SIGTERM."""
    settings = Settings()
    with loading():
        app = importlib.import_module(f"{owner_module(owner)}.app").build_app(settings)
    Awake(config(app, host, port), settings.loop_awake_ms / 1000).run()


class Awake(uvicorn.Server):
    """The one app's server, its loop kept awake while busy (`kelisim.awake`)."""

    def __init__(self, config: uvicorn.Config, awake_seconds: float) -> None:
        super().__init__(config)
        self.awake_seconds = awake_seconds

    async def serve(self, sockets: Any = None) -> None:
        keeping = asyncio.create_task(awake.keep_awake(self.awake_seconds), name="awake")
        try:
            await super().serve(sockets)
        finally:
            keeping.cancel()


class Neighbour(uvicorn.Server):
    """A server among others in one process: whoever runs the process takes the signals.

    uvicorn's own `serve` replaces the SIGINT and SIGTERM handlers for as long as it runs
    and raises the signal again when it ends; with two servers in a process (the apps of
    `serve all`, the gateway's metrics door) the signal reached one server, then again the
    others, and the second stop skipped the apps' graceful shutdown.

    `context`: the context its app runs in (taken as it starts), for the calls that reach
    the app in-process (`kelisim.inprocess`).
    """

    context: contextvars.Context | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: Any = None) -> None:
        self.context = contextvars.copy_context()
        await super().startup(sockets)


class StartFailed(Exception):
    """An app of `serve all` could not start (its lifespan failed or its port is taken)."""


def serve_all(
    settings: Settings, owners: list[str], prepare: Callable[[], object] | None = None
) -> int:
    """Every owner's app in this process, each on its port; 1 when one of them stops alone.

    `prepare` (the keys, the migrations: `kelisim up` passes them) runs once every app's
    modules are loaded, so their models are imported once, here, and not by a process of
    their own; on a migrated system it takes a quarter of a second.
    """
    # One tracer provider a process: its spans say `kelisim-all`, each named by its route.
    tracing.setup("all")
    with loading():
        modules = {o: importlib.import_module(f"{owner_module(o)}.app") for o in owners}
        if prepare is not None:
            with structlog.contextvars.bound_contextvars(service="prepare"):
                prepare()
        servers = neighbours(settings, modules)
    return asyncio.run(_serve_all(settings, servers))


def neighbours(settings: Settings, modules: dict[str, Any]) -> dict[str, Neighbour]:
    """Each owner's app built by its module, and its server; the gateway's calls in-process.

    The gateway is built last, given a transport to each other app's server (what
    `gateway.app.build_app` takes as `transports`), so its calls to them skip the loopback HTTP.
    """
    servers: dict[str, Neighbour] = {}
    for owner in sorted(modules, key=lambda o: o == GATEWAY):
        if owner == GATEWAY:
            near = {o: InProcess(server, o) for o, server in servers.items()}
            app = modules[owner].build_app(settings, transports=near)
        else:
            app = modules[owner].build_app(settings)
        servers[owner] = Neighbour(config(app, settings.host, getattr(settings, f"{owner}_port")))
    return servers


async def _serve_all(settings: Settings, servers: dict[str, Neighbour]) -> int:
    stopping = False

    def stop() -> None:
        nonlocal stopping
        for server in servers.values():
            server.force_exit = stopping  # a second signal: do not wait for open requests
            server.should_exit = True
        stopping = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)

    async def run(owner: str, server: uvicorn.Server) -> None:
        try:
            await server.serve()
        except SystemExit as exc:  # uvicorn's way to say the app did not start
            raise StartFailed(f"{owner} did not start ({exc.code})") from None

    tasks = []
    for owner, server in servers.items():
        # Each app's log lines name it: its server's task and every task it starts carry
        # the name in their context (kelisim/logging.py merges context variables).
        context = contextvars.copy_context()
        context.run(structlog.contextvars.bind_contextvars, service=owner)
        task = asyncio.create_task(run(owner, server), name=f"serve-{owner}", context=context)
        tasks.append(task)
    keeping = asyncio.create_task(awake.keep_awake(settings.loop_awake_ms / 1000), name="awake")
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    alone = not stopping
    if alone:  # one app stopped by itself: stop the others, so the supervisor restarts all
        for task in done:
            error = task.exception()
            log.error("serve.app_stopped", app=task.get_name(), error=str(error) if error else None)
        stop()
    await asyncio.gather(*tasks, return_exceptions=True)
    keeping.cancel()
    return 1 if alone else 0
