"""Gateway fixtures: one whole in-process system per test module (starting it takes seconds)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack

import pytest

from kelisim.auth import generate_keypair
from kelisim.migrations import OWNERS
from kelisim.settings import Settings
from tests.support.db import fresh_database
from tests.support.gateway import Stack, gateway_stack
from tests.support.services import reset_streams


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Stack]:
    """Cases, councils, notifications and the gateway, shared by the tests of one module."""
    tmp = tmp_path_factory.mktemp("system")
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
        async with gateway_stack(settings) as system:
            yield system
