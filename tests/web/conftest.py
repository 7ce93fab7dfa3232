"""Web UI fixtures: the whole system in-process, with the demo world of `make demo`.

Seeding the demo world costs a web system most of its start (about 30 s of CPU), so it is
seeded once per session, the system stopped once settled, and every web system starts from a
copy of that state (tests/support/snapshot.py: a few seconds). Most modules share one such
system; a module whose tests change what the others read (accounts, council seats, practice
notes, pages checked word by word) sets `OWN_SYSTEM = True` and gets a copy of its own. Each
system runs on a nats-server of its own: another system's start (or a test's `clean_nats`)
deletes the streams of the server it uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.demo import seed_demo
from tests.support.browser import base_url, browser  # noqa: F401 - every module's browser
from tests.support.gateway import ADMIN, Stack
from tests.support.snapshot import Snapshot, seeded_snapshot, system_from


async def seed(stack: Stack) -> None:
    """The demo world, as `make demo` enters it, with the demo mediator known to cases."""
    transport = stack.client._transport  # type: ignore[attr-defined]
    await seed_demo("https://gateway", *ADMIN, transport=transport)
    await stack.known_to_cases("mediator")  # the demo mediator, as assignment checks it


@pytest.fixture(scope="session")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Snapshot]:
    """The state of a system seeded with the demo world, settled and stopped."""
    async with seeded_snapshot(tmp_path_factory.mktemp("web-seeded"), seed) as snapshot:
        yield snapshot


@pytest.fixture(scope="session")
async def shared_system(
    seeded: Snapshot, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with system_from(seeded, tmp_path_factory.mktemp("web-shared")) as stack:
        yield stack


@pytest.fixture(scope="module")
async def own_system(
    seeded: Snapshot, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with system_from(seeded, tmp_path_factory.mktemp("web")) as stack:
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
