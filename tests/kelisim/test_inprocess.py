"""The gateway's calls to an app of the same process (`kelisim.inprocess`), on a real uvicorn
server of `serve all` (`kelisim.serving.Neighbour`): as over loopback HTTP, without it."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from kelisim.inprocess import PARTS_AHEAD, InProcess
from kelisim.serving import Neighbour, config, neighbours
from kelisim.settings import Settings
from tests.support.nats import free_port

pytestmark = pytest.mark.db_independent

WAIT = 5.0  # seconds any step may take before the test fails rather than hangs


class World:
    """A small app with the shapes of answer the gateway meets, and what it saw."""

    def __init__(self) -> None:
        self.release = asyncio.Event()  # lets a held answer go on
        self.arrived = asyncio.Event()  # the upload's first part reached the app
        self.finished = asyncio.Event()  # the slow route ran to its end
        self.seen: dict[str, Any] = {}
        self.life: list[str] = []

    def app(self) -> Starlette:
        async def stream(request: Request) -> Response:
            self.seen["context"] = dict(structlog.contextvars.get_contextvars())
            structlog.contextvars.bind_contextvars(bound_by_app="yes")

            async def parts() -> AsyncIterator[bytes]:
                yield b"first"
                await self.release.wait()
                yield b"second"

            return StreamingResponse(parts())

        async def echo(request: Request) -> Response:
            body = b""
            async for chunk in request.stream():
                body += chunk
                self.arrived.set()
            return Response(body)

        async def slow(request: Request) -> Response:
            await self.release.wait()
            self.finished.set()
            return JSONResponse({"done": True})

        async def many(request: Request) -> Response:
            async def parts() -> AsyncIterator[bytes]:
                for n in range(50):
                    self.seen["produced"] = n + 1
                    yield b"%d;" % n
                    await asyncio.sleep(0.01)  # as a real producer waits for its next part

            return StreamingResponse(parts())

        async def boom(request: Request) -> Response:
            raise RuntimeError("the handler failed")

        async def broken(request: Request) -> Response:
            async def parts() -> AsyncIterator[bytes]:
                yield b"half"
                raise RuntimeError("the body failed")

            return StreamingResponse(parts())

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self.life.append("started")
            yield
            self.life.append("stopped")

        routes = [
            Route("/stream", stream),
            Route("/echo", echo, methods=["POST"]),
            Route("/slow", slow),
            Route("/many", many),
            Route("/boom", boom),
            Route("/broken", broken),
        ]
        return Starlette(routes=routes, lifespan=lifespan)


@contextlib.asynccontextmanager
async def served(world: World) -> AsyncIterator[tuple[Neighbour, httpx.AsyncClient]]:
    """The world's app on a started server of its own, as `serve all` runs it (its context
    naming the app), and a client whose calls reach it in-process."""
    server = Neighbour(config(world.app(), "127.0.0.1", free_port()))
    context = contextvars.copy_context()
    context.run(structlog.contextvars.bind_contextvars, service="cases")
    task = asyncio.create_task(server.serve(), context=context)
    async with asyncio.timeout(WAIT):
        while not server.started:
            await asyncio.sleep(0.01)
    client = httpx.AsyncClient(
        transport=InProcess(server, "cases"), base_url="http://cases", timeout=WAIT
    )
    try:
        yield server, client
    finally:
        world.release.set()
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)
        await client.aclose()


async def test_a_call_runs_in_its_server_s_context_and_its_answer_streams():
    world = World()
    async with served(world) as (_, client):
        structlog.contextvars.bind_contextvars(bound_by_gateway="yes")
        try:
            async with client.stream("GET", "/stream") as answer:
                parts = answer.aiter_raw()
                first = await asyncio.wait_for(anext(parts), WAIT)  # before the app goes on
                world.release.set()
                rest = [part async for part in parts]
            assert (answer.status_code, first, rest) == (200, b"first", [b"second"])
            assert world.seen["context"].get("service") == "cases"
            assert "bound_by_gateway" not in world.seen["context"]
            assert "bound_by_app" not in structlog.contextvars.get_contextvars()
        finally:
            structlog.contextvars.unbind_contextvars("bound_by_gateway")


async def test_an_app_sends_no_further_ahead_than_its_reader_and_stops_when_it_hangs_up():
    world = World()
    async with served(world) as (server, client):
        async with client.stream("GET", "/many") as answer:
            parts = answer.aiter_raw()
            assert await anext(parts) == b"0;"
            await asyncio.sleep(0.2)  # the app runs on while the reader waits
            assert world.seen["produced"] <= PARTS_AHEAD + 3
        async with asyncio.timeout(WAIT):  # hung up on: the rest is dropped and the app ends
            while server.server_state.tasks:
                await asyncio.sleep(0.01)
        assert world.seen["produced"] < 50


async def test_an_upload_reaches_the_app_as_it_arrives():
    world = World()

    async def upload() -> AsyncIterator[bytes]:
        yield b"part one, "
        await asyncio.wait_for(world.arrived.wait(), WAIT)  # the app has it already
        yield b"part two"

    async with served(world) as (_, client):
        answer = await client.post("/echo", content=upload())
    assert (answer.status_code, answer.content) == (200, b"part one, part two")


async def test_a_call_that_outlasts_its_read_timeout_fails_and_the_app_goes_on():
    world = World()
    async with served(world) as (server, client):
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow", timeout=httpx.Timeout(WAIT, read=0.2))
        assert len(server.server_state.tasks) == 1  # the app still at work
        world.release.set()
        await asyncio.wait_for(world.finished.wait(), WAIT)
        async with asyncio.timeout(WAIT):  # its answer went nowhere, and it ended
            while server.server_state.tasks:
                await asyncio.sleep(0.01)


async def test_an_app_that_has_not_started_or_is_stopping_is_unreachable():
    world = World()
    server = Neighbour(config(world.app(), "127.0.0.1", free_port()))
    client = httpx.AsyncClient(transport=InProcess(server, "cases"), base_url="http://cases")
    with pytest.raises(httpx.ConnectError):
        await client.get("/slow")
    async with served(world) as (server, client):
        world.release.set()
        assert (await client.get("/slow")).json() == {"done": True}
        server.should_exit = True
        with pytest.raises(httpx.ConnectError):
            await client.get("/slow")
    assert world.life == ["started", "stopped"]


async def test_a_stopping_server_ends_its_app_only_after_the_calls_under_way():
    world = World()
    async with served(world) as (server, client):
        call = asyncio.create_task(client.get("/slow"))
        async with asyncio.timeout(WAIT):
            while not server.server_state.tasks:
                await asyncio.sleep(0.01)
        server.should_exit = True
        await asyncio.sleep(0.5)  # uvicorn's stop has begun and waits
        assert world.life == ["started"]
        world.release.set()
        answer = await asyncio.wait_for(call, WAIT)
        assert answer.json() == {"done": True}
    assert world.life == ["started", "stopped"]


async def test_a_failing_app_answers_500_or_breaks_its_answer_off():
    world = World()
    async with served(world) as (_, client):
        failed = await client.get("/boom")
        assert failed.status_code == 500
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/broken")
        world.release.set()
        assert (await client.get("/slow")).status_code == 200  # the app serves on


def test_serve_all_builds_the_gateway_last_with_a_transport_to_each_other_app():
    built: dict[str, Any] = {}

    def module(owner: str) -> SimpleNamespace:
        def build_app(settings: Settings, **given: Any) -> Starlette:
            built[owner] = given
            return Starlette()

        return SimpleNamespace(build_app=build_app)

    owners = ["gateway", "cases", "councils"]
    servers = neighbours(Settings(), {owner: module(owner) for owner in owners})
    assert list(built) == ["cases", "councils", "gateway"]
    assert built["cases"] == built["councils"] == {}
    near = built["gateway"]["transports"]
    assert set(near) == {"cases", "councils"}
    assert all(isinstance(t, InProcess) and t.server is servers[o] for o, t in near.items())
