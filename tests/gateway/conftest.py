"""Gateway fixtures: one whole in-process system per test module (starting it takes seconds)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.gateway import Stack, system_stack


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Stack]:
    """Cases, councils, notifications and the gateway, shared by the tests of one module."""
    async with system_stack(tmp_path_factory.mktemp("system"), nats_url) as system:
        yield system
