"""Run real service apps in-process for tests: migrated, lifespan (relay, consumers) running."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import nats
from fastapi import FastAPI

from kelisim.auth import Principal, issue_token, load_private_key
from kelisim.bus.streams import STREAMS
from kelisim.settings import Settings
from tests.support.db import migrated


def build(name: str, settings: Settings) -> FastAPI:
    module = "gateway.app" if name == "gateway" else f"services.{name}.app"
    return importlib.import_module(module).build_app(settings)


@asynccontextmanager
async def running(
    name: str, settings: Settings, *, ready: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """Migrate, start the app's lifespan and yield a client bound to it."""
    await asyncio.to_thread(migrated, name, settings.database_url(name))
    app = build(name, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
            client.app = app  # type: ignore[attr-defined]
            if ready:
                await wait_ready(client)
            yield client


async def wait_ready(client: httpx.AsyncClient, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        # Ready, and (what readiness no longer waits for) connected with consumers running.
        response = await client.get("/status")
        status = response.json()
        if status["ready"] and status["nats"] and all(status.get("consumers", {}).values()):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"not ready: {response.text}")
        await asyncio.sleep(0.05)


def token(settings: Settings, audience: str, **claims) -> str:
    """A gateway-signed service token for tests (what the gateway would send)."""
    principal = Principal(
        sub=claims.get("sub", "tester"),
        user_id=claims.get("user_id", claims.get("sub", "tester")),
        roles=frozenset(claims.get("roles", ())),
        regions=frozenset(claims.get("regions", ())),
        councils=frozenset(claims.get("councils", ())),
        name=claims.get("name", "Test User"),
        lang=claims.get("lang", "kk"),
    )
    return issue_token(
        load_private_key(settings), principal, audience=audience, issuer=settings.token_issuer
    )


def bearer(settings: Settings, audience: str, **claims) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(settings, audience, **claims)}"}


async def reset_streams(url: str) -> None:
    """Delete every Kelisim stream (and so its consumers) so a test starts from nothing."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for name in STREAMS:
            try:
                await js.delete_stream(name)
            except nats.js.errors.NotFoundError:
                pass
    finally:
        await nc.close()
