"""Shared fixtures: a real nats-server per session, fresh databases and settings per test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from kelisim.auth import generate_keypair
from kelisim.migrations import OWNERS
from kelisim.settings import Settings
from tests.support.cli import CLOSED_METRICS
from tests.support.db import fresh_database
from tests.support.nats import NatsServer, external_nats_url
from tests.support.services import reset_streams

# The systems tests run in this process (gateway_stack, the web systems) read their settings
# from here too: none of them may bind the fixed metrics ports (see CLOSED_METRICS).
os.environ.update(CLOSED_METRICS)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer | None]:
    """A real nats-server from the wheel, or None when NATS_URL names an external one."""
    if external_nats_url():
        yield None
        return
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats_url(nats_server: NatsServer | None) -> str:
    return nats_server.url if nats_server else external_nats_url()  # type: ignore[return-value]


@pytest.fixture
async def clean_nats(nats_url: str) -> str:
    """The NATS URL, with every Kelisim stream deleted first."""
    await reset_streams(nats_url)
    return nats_url


@pytest.fixture
def make_settings(tmp_path: Path, nats_url: str) -> Iterator[Callable[..., Settings]]:
    """Build Settings for this test: fresh databases for every owner, keys in tmp_path."""
    stack = ExitStack()
    urls = {
        f"{o}_database_url": stack.enter_context(fresh_database(tmp_path, o, lazy=True))
        for o in OWNERS
    }
    generate_keypair(tmp_path / "keys")

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "env": "test",
            "data_dir": tmp_path,
            "nats_url": nats_url,
            "relay_poll_seconds": 0.05,
            # The tests' webhook receivers listen on loopback, which the SSRF guard refuses
            # unless allowed; tests of the guard itself set their own list.
            "webhook_allowed_networks": ["127.0.0.0/8", "::1/128"],
            # In-process systems have no `kelisim up`: no development mail sink to send to.
            "mail_sink_port": 0,
            **urls,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    with stack:
        yield make


@pytest.fixture
def settings(make_settings: Callable[..., Settings], clean_nats: str) -> Settings:
    return make_settings()
