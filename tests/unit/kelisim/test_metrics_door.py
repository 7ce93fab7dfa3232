"""The metrics port apart from the public one: a port another process takes only warns.

Two processes with the same settings (two gateway replicas, or two test runs side by side)
both want the metrics port. With SO_REUSEADDR both can bind it; only the second `listen`
fails. CI once failed on it: the listen ran in uvicorn's task after the block had started, so
the error surfaced when the gateway stopped.
"""

from __future__ import annotations

import socket

import httpx
import pytest

from kelisim import observe
from tests.support.nats import free_port

pytestmark = pytest.mark.db_independent


async def _figures() -> None:
    return None


def _other_process_binds(port: int) -> socket.socket:
    """What a second replica does first: bind the port with SO_REUSEADDR, not listen yet."""
    other = socket.socket()
    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    other.bind(("127.0.0.1", port))
    return other


async def test_the_first_to_listen_serves_and_the_other_one_is_refused_at_once() -> None:
    port = free_port()
    other = _other_process_binds(port)
    try:
        async with observe.serving(observe.metrics_app(_figures), "127.0.0.1", port):
            # The port is listened on when the block starts, so the other one cannot take it.
            with pytest.raises(OSError):
                other.listen()
            async with httpx.AsyncClient(trust_env=False) as client:
                answer = await client.get(f"http://127.0.0.1:{port}/metrics")
            assert answer.status_code == 200
            assert "process_" in answer.text or "python_" in answer.text
    finally:
        other.close()


async def test_a_port_already_listened_on_only_warns_and_the_block_runs() -> None:
    port = free_port()
    other = _other_process_binds(port)
    other.listen()
    ran = False
    try:
        async with observe.serving(observe.metrics_app(_figures), "127.0.0.1", port):
            ran = True
        # The block ran and ended without an error; the other process still has its port.
        assert ran
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        other.close()
