"""Health that means something: ready = own database reachable and migrated; NATS is reported."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from kelisim.settings import Settings
from tests.support.db import ensure_database
from tests.support.nats import NatsServer
from tests.support.services import build, running


async def status_until(client: httpx.AsyncClient, *, nats: bool) -> dict:
    """/status once it reports NATS as `nats` (or the last answer after 20 s)."""
    for _ in range(400):
        status = (await client.get("/status")).json()
        if status["nats"] is nats:
            return status
        await asyncio.sleep(0.05)
    return status


async def test_a_service_on_a_never_migrated_database_is_alive_but_not_ready(settings: Settings):
    await asyncio.to_thread(ensure_database, settings.database_url("cases"))
    app = build("cases", settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"database": True, "migrated": False}
            status = (await client.get("/status")).json()
            assert status["ready"] is False and status["checks"]["migrated"] is False


async def test_nats_stopped_keeps_the_service_ready_and_status_says_so(
    make_settings: Callable[..., Settings], tmp_path: Path
):
    nats = NatsServer(tmp_path / "own-nats")
    nats.start()
    try:
        settings = make_settings(nats_url=nats.url)
        async with running("cases", settings) as client:
            status = await status_until(client, nats=True)
            assert status["nats"] is True and status["consumers"]
            assert status["outbox"]["backlog"] >= 0
            nats.stop()
            status = await status_until(client, nats=False)
            assert status["nats"] is False
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["checks"] == {"database": True, "migrated": True}
            assert status["ready"] is True
            assert "error" not in status["outbox"]
    finally:
        nats.stop()
