"""The route index (kelisim.web.RouteIndex) answers every request as the router alone would."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount

from kelisim import problems, web

pytestmark = pytest.mark.db_independent


async def _ready() -> dict[str, bool]:
    return {"database": True}


def _app(*, indexed: bool) -> FastAPI:
    """Routes whose order matters: a literal before a parameter of the same segment, a
    catch-all among them, a mount, methods that differ on one path."""
    app = FastAPI()
    problems.install(app)
    web.install(app, "routing-test", _ready)
    if not indexed:
        app.router.middleware_stack = app.router.app
    router = APIRouter()

    def answer(name: str):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> dict[str, object]:
            return {"route": name, "params": request.path_params}

        return endpoint

    router.add_api_route("/items/new", answer("items-new"), methods=["GET"])
    router.add_api_route("/items/{item_id}", answer("item"), methods=["GET"])
    router.add_api_route("/items/{item_id}", answer("item-put"), methods=["PUT"])
    router.add_api_route("/items/{item_id:int}/n{rank:int}.txt", answer("rank"), methods=["GET"])
    router.add_api_route("/items/{item_id}/notes", answer("item-notes"), methods=["GET"])
    router.add_api_route("/items/{item_id}/{part}", answer("item-part"), methods=["GET"])
    router.add_api_route("/{page}", answer("any-page"), methods=["GET"])
    router.add_api_route("/items", answer("items"), methods=["GET"])  # after the catch-all
    router.add_api_route("/", answer("home"), methods=["GET"])
    router.add_api_route("/api/v1/cases/{rest:path}", answer("proxy"), methods=["GET", "POST"])
    web.include(app, router)
    app.router.routes.append(Mount("/static", app=PlainTextResponse("static")))
    return app


REQUESTS = [
    ("GET", "/items/new"),
    ("GET", "/items/42"),
    ("PUT", "/items/42"),
    ("DELETE", "/items/42"),  # a path that matches with another method: 405
    ("GET", "/items/42/notes"),
    ("GET", "/items/42/photos"),
    ("GET", "/items/42/notes/"),  # a slash to redirect (the router's loop)
    ("GET", "/items/7/n3.txt"),
    ("GET", "/items/x/n3.txt"),  # not a number: another route's parameter
    ("GET", "/items//notes"),  # an empty parameter matches nothing
    ("GET", "/items"),  # the catch-all comes first
    ("GET", "/items/"),  # a slash to redirect
    ("GET", "/"),
    ("GET", "/anything"),
    ("GET", "/api/v1/cases/abc/timeline"),
    ("POST", "/api/v1/cases"),  # only with a slash: redirected
    ("GET", "/api/v2/cases"),  # no route of that segment: 404
    ("GET", "/static/app.css"),
    ("GET", "/nowhere/at/all"),
    ("GET", "/healthz"),
]


async def _answers(app: FastAPI) -> list[tuple[int, str, str | None]]:
    transport = httpx.ASGITransport(app=app)
    found = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method, path in REQUESTS:
            answer = await client.request(method, path)
            found.append((answer.status_code, answer.text, answer.headers.get("location")))
    return found


async def test_the_index_answers_every_request_as_the_router_alone() -> None:
    indexed, plain = _app(indexed=True), _app(indexed=False)
    assert isinstance(indexed.router.middleware_stack, web.RouteIndex)
    assert not isinstance(plain.router.middleware_stack, web.RouteIndex)

    assert await _answers(indexed) == await _answers(plain)
    routes = [status_and_route(a) for a in await _answers(indexed)]
    assert routes == [
        (200, "items-new"),
        (200, "item"),
        (200, "item-put"),
        (405, None),
        (200, "item-notes"),
        (200, "item-part"),
        (307, None),
        (200, "rank"),
        (200, "item-part"),
        (404, None),
        (200, "any-page"),
        (307, None),
        (200, "home"),
        (200, "any-page"),
        (200, "proxy"),
        (307, None),
        (404, None),
        (200, None),
        (404, None),
        (200, None),
    ]


def status_and_route(answer: tuple[int, str, str | None]) -> tuple[int, str | None]:
    status, text, _location = answer
    route = text.split('"route":"', 1)[1].split('"', 1)[0] if '"route":"' in text else None
    return status, route


@pytest.mark.parametrize("added_later", ["/items/special", "/late"])
async def test_a_route_added_after_the_first_request_is_found(added_later: str) -> None:
    app = _app(indexed=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        assert (await client.get("/items/new")).status_code == 200  # the index is built
        app.router.routes.insert(0, Mount(added_later, app=PlainTextResponse("late")))
        answer = await client.get(added_later + "/x")
    assert (answer.status_code, answer.text) == (200, "late")


async def test_only_routes_of_the_paths_shape_run_their_patterns() -> None:
    app = _app(indexed=True)
    tried: list[str] = []
    for route in app.router.routes:
        original = route.matches

        def matches(scope, original=original, path=getattr(route, "path", "")):  # type: ignore[no-untyped-def]
            tried.append(path)
            return original(scope)

        route.matches = matches  # type: ignore[method-assign]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        answer = await client.get("/items/42/notes")
    assert status_and_route((answer.status_code, answer.text, None)) == (200, "item-notes")
    # Not /items/new, /items/{item_id} (three segments), the catch-all /{page} (two) nor
    # /items/{item_id}/{part} (after the match); a last segment with a parameter may match.
    assert tried == ["/items/{item_id:int}/n{rank:int}.txt", "/items/{item_id}/notes"]
