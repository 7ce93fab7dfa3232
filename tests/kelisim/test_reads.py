"""`reads`: a read-only endpoint runs on the event loop on SQLite, in the thread pool elsewhere.

On SQLite a thread hop per request cost more than the read (kelisim/service.py, `reads`); on
PostgreSQL each statement waits on the network, so the read must not hold the event loop.
Runs on the database the suite runs on (SQLite, or PostgreSQL with TEST_DATABASE_URL).
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from kelisim.db import make_engine, read_session
from kelisim.service import ContextDep, ServiceContext, build_context, reads
from kelisim.settings import Settings
from tests.support.scratch import backbone


def context(url: str, tmp_path: Path) -> ServiceContext:
    ctx = build_context("cases", Settings(data_dir=tmp_path), backbone)
    ctx.engine = make_engine(url)  # the scratch database this suite runs on
    return ctx


def app_for(ctx: ServiceContext) -> FastAPI:
    app = FastAPI()
    app.state.ctx = ctx

    @app.get("/where")
    @reads
    def where(ctx: ContextDep) -> dict[str, object]:
        with read_session(ctx.engine) as db:
            pending = db.execute(select(func.count()).select_from(backbone.outbox)).scalar_one()
        return {"thread": threading.get_ident(), "pending": pending}

    @app.get("/no-context")
    @reads
    def no_context() -> dict[str, str]:
        return {"unreachable": "yes"}

    return app


async def get(ctx: ServiceContext, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_for(ctx))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)
    finally:
        ctx.engine.dispose()


async def test_a_read_endpoint_runs_on_the_loop_only_on_sqlite(
    scratch_url: str, tmp_path: Path
) -> None:
    ctx = context(scratch_url, tmp_path)
    answer = await get(ctx, "/where")
    assert answer.status_code == 200, answer.text
    assert answer.json()["pending"] == 0  # it did read the database
    on_loop = answer.json()["thread"] == threading.get_ident()  # the test's loop runs here
    sqlite = ctx.engine.dialect.name == "sqlite"
    assert ctx.reads_on_loop is sqlite
    assert on_loop is sqlite, f"{ctx.engine.dialect.name}: on the event loop = {on_loop}"


async def test_a_marked_endpoint_without_the_context_is_refused_loudly(
    scratch_url: str, tmp_path: Path
) -> None:
    with pytest.raises(TypeError, match="takes no ContextDep"):
        await get(context(scratch_url, tmp_path), "/no-context")
