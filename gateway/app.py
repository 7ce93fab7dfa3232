"""Bootstrap of the gateway: build_app(settings, transports) wires everything; nothing at import.

`transports` puts in-process service apps in place of the network: `kelisim serve all`
passes `kelisim.inprocess.InProcess` transports to the apps of its own process, tests pass
httpx.ASGITransport; a gateway in a process of its own leaves it None and reaches
`settings.service_url(name)`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway import guard, headers, openapi
from gateway.auth import Keys, session_secret
from gateway.calls import ServiceCalls
from gateway.identity import api as identity_api
from gateway.identity.users import ensure_first_admin
from gateway.models import backbone
from gateway.permissions import PROXIED_SERVICES
from gateway.proxy import proxy_router
from gateway.web import body_too_large_page
from gateway.web import install as install_web
from kelisim import idempotency, limits, observe, problems, tracing, web
from kelisim.auth import ensure_keypair, load_private_key, load_public_key
from kelisim.service import build_context, cancel_all, run_bus
from kelisim.settings import Settings
from kelisim.uow import SYSTEM


def _load_keys(settings: Settings) -> Keys:
    ensure_keypair(settings)
    private = load_private_key(settings)
    return Keys(private, load_public_key(settings), session_secret(settings, private))


def build_app(
    settings: Settings | None = None,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """The gateway app; its lifespan creates the first admin and runs the outbox relay."""
    settings = settings or Settings()
    ctx = build_context("gateway", settings, backbone)

    def first_admin() -> None:
        try:
            with ctx.uow(SYSTEM) as uow:
                if ensure_first_admin(uow, settings) is not None:
                    uow.commit()
        except IntegrityError:
            pass  # another replica created the first admin at the same moment

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keys = await asyncio.to_thread(_load_keys, settings)
        app.state.keys = keys
        app.state.calls = ServiceCalls(settings, keys, transports)
        await asyncio.to_thread(first_admin)
        bus = asyncio.create_task(run_bus(ctx), name="gateway-bus")
        try:
            async with observe.serving(metrics, settings.host, settings.gateway_metrics_port):
                yield
        finally:
            await cancel_all([bus])
            await app.state.calls.close()
            await ctx.bus.close()
            ctx.engine.dispose()

    async def ready() -> dict[str, bool]:
        """Its own database and keys only: a service or NATS down is reported on /status.

        Under `kelisim up --demo` (KELISIM_DEMO) also the demo: ready means its users can
        log in, so not before `kelisim demo-data` wrote its marker.
        """
        checks = await ctx.ready()
        checks["keys"] = hasattr(app.state, "keys")
        if settings.demo:
            checks["demo"] = settings.demo_marker.exists()
        return checks

    async def status() -> dict[str, Any]:
        found = await ctx.status()
        found.pop("consumers", None)
        results = await asyncio.gather(*(app.state.calls.ready(s) for s in PROXIED_SERVICES))
        found["services"] = dict(zip(PROXIED_SERVICES, results, strict=True))
        return found

    app = FastAPI(
        title="Kelisim gateway",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        telemetry=tracing.FASTAPI_TELEMETRY,
    )
    app.state.ctx = ctx
    problems.install(app)
    install_web(app, settings)  # the web UI's POST /login renders refusals as a page
    # Middleware, innermost first: body limits, then the request line, then the headers.
    limits.install(app, settings, web_refusal=body_too_large_page)
    guard.install(app)
    headers.install(app)
    refresh = partial(observe.refresh, ctx)
    metrics = app.state.metrics_app = observe.metrics_app(refresh)
    web.install(app, "gateway", ready, status, refresh=refresh, public_metrics=False)
    idempotency.install(app, ctx)  # identity's own POSTs; proxied requests pass through
    web.include(app, identity_api.router, proxy_router())
    openapi.install(app)
    if settings.forwarded_allow_ips:
        # Added last, so outermost: the client address (login throttling, logs) comes from
        # X-Forwarded-For only when the peer is a trusted proxy (uvicorn's own is off).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app
