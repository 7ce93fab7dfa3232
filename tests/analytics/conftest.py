"""Analytics fixtures: one whole in-process system per module, and its users."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kelisim.regions import REGIONS
from tests.support.gateway import Stack, system_stack


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> AsyncIterator[Stack]:
    """Every service and the gateway, shared by the tests of one module."""
    async with system_stack(tmp_path_factory.mktemp("system"), nats_url) as system:
        yield system


@pytest.fixture(scope="module")
async def analyst(stack: Stack) -> dict[str, str]:
    """A national analyst: all twenty regions."""
    return await stack.login_as("nat-analyst", roles=["analyst"], regions=sorted(REGIONS))
