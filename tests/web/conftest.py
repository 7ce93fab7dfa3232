"""Web UI fixtures: the whole system in-process, with the demo users of `make run`, per module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack

import httpx
import pytest

from gateway.demo import seed_demo
from kelisim.auth import generate_keypair
from kelisim.migrations import OWNERS
from kelisim.settings import Settings
from tests.support.db import fresh_database
from tests.support.gateway import ADMIN, Stack, gateway_stack
from tests.support.services import reset_streams


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Stack]:
    """Cases, councils, notifications and the gateway, seeded with the demo users and council."""
    tmp = tmp_path_factory.mktemp("web")
    with ExitStack() as databases:
        urls = {
            f"{owner}_database_url": databases.enter_context(fresh_database(tmp, owner))
            for owner in OWNERS
        }
        generate_keypair(tmp / "keys")
        await reset_streams(nats_url)
        settings = Settings(
            env="test", data_dir=tmp, nats_url=nats_url, relay_poll_seconds=0.05, **urls
        )
        async with gateway_stack(settings) as stack:
            transport = stack.client._transport  # type: ignore[attr-defined]
            await seed_demo("https://gateway", *ADMIN, transport=transport)
            yield stack


def browser_client(stack: Stack) -> httpx.AsyncClient:
    """A cookie jar of its own on the in-process gateway, asking for pages as a browser does."""
    return httpx.AsyncClient(
        transport=stack.client._transport,  # type: ignore[attr-defined]
        base_url="https://gateway",
        follow_redirects=False,
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
