"""Web UI fixtures: the whole system in-process, with the demo users of `make run`, per module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.demo import seed_demo
from tests.support.browser import base_url, browser  # noqa: F401 - every module's browser
from tests.support.gateway import ADMIN, Stack, system_stack


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Stack]:
    """Cases, councils, notifications and the gateway, seeded with the demo users and council."""
    async with system_stack(tmp_path_factory.mktemp("web"), nats_url) as stack:
        transport = stack.client._transport  # type: ignore[attr-defined]
        await seed_demo("https://gateway", *ADMIN, transport=transport)
        await stack.known_to_cases("mediator")  # the demo mediator, as assignment checks it
        yield stack


def browser_client(stack: Stack) -> httpx.AsyncClient:
    """A cookie jar of its own on the in-process gateway, asking for pages as a browser does."""
    return httpx.AsyncClient(
        transport=stack.client._transport,  # type: ignore[attr-defined]
        base_url="https://gateway",
        follow_redirects=False,
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
