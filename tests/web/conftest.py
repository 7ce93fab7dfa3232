"""Web UI fixtures: the whole system in-process, with the demo world of `make demo`.

Seeding the demo world is most of a web module's cost (about 25 s of CPU), so the modules
share one seeded system. A module whose tests change what the others read (accounts,
council seats, practice notes, pages checked word by word) sets `OWN_SYSTEM = True` and gets
a seeded system of its own. Each system runs on a nats-server of its own: another system's
start (or a test's `clean_nats`) deletes the streams of the server it uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from gateway.demo import seed_demo
from tests.support.browser import base_url, browser  # noqa: F401 - every module's browser
from tests.support.gateway import ADMIN, Stack, system_stack
from tests.support.nats import NatsServer


@asynccontextmanager
async def seeded_system(tmp: Path) -> AsyncIterator[Stack]:
    """Cases, councils, notifications, analytics and the gateway, with the demo world."""
    server = NatsServer(tmp / "nats")
    server.start()
    try:
        async with system_stack(tmp / "system", server.url) as stack:
            transport = stack.client._transport  # type: ignore[attr-defined]
            await seed_demo("https://gateway", *ADMIN, transport=transport)
            await stack.known_to_cases("mediator")  # the demo mediator, as assignment checks it
            yield stack
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def shared_system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with seeded_system(tmp_path_factory.mktemp("web-shared")) as stack:
        yield stack


@pytest.fixture(scope="module")
async def own_system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with seeded_system(tmp_path_factory.mktemp("web")) as stack:
        yield stack


@pytest.fixture(scope="module")
def system(request: pytest.FixtureRequest) -> Stack:
    """The shared seeded system, or one of the module's own (`OWN_SYSTEM = True`)."""
    own = getattr(request.module, "OWN_SYSTEM", False)
    stack: Stack = request.getfixturevalue("own_system" if own else "shared_system")
    return stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that drive Chromium, so that a run can leave them out (`-m "not browser"`)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def browser_client(stack: Stack) -> httpx.AsyncClient:
    """A cookie jar of its own on the in-process gateway, asking for pages as a browser does."""
    return httpx.AsyncClient(
        transport=stack.client._transport,  # type: ignore[attr-defined]
        base_url="https://gateway",
        follow_redirects=False,
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
