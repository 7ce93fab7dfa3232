"""Liveness probes: does the process answer? (A stopped process still accepts TCP connections.)"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx


def http_alive(url: str) -> Callable[[float], bool]:
    """Alive when GET `url` (the process's /healthz) answers 200 within the timeout."""

    def probe(timeout: float) -> bool:
        try:
            with httpx.Client(timeout=timeout, trust_env=False) as client:
                return client.get(url).status_code == 200
        except httpx.HTTPError:
            return False

    return probe


def nats_alive(host: str, port: int) -> Callable[[float], bool]:
    """Alive when the server sends its INFO line: the kernel accepts for a stopped server."""

    def probe(timeout: float) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(4).startswith(b"INFO")
        return False

    return probe


@dataclass
class HealthRecord:
    """Consecutive failed probes of one child: `failures` in a row make it hung."""

    failures_allowed: int
    failed_in_a_row: int = 0

    def record(self, alive: bool) -> bool:
        """Count a probe; True when the child is to be treated as hung."""
        self.failed_in_a_row = 0 if alive else self.failed_in_a_row + 1
        return self.failed_in_a_row >= self.failures_allowed
