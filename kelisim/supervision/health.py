"""Liveness probes: does the process answer? (A stopped process still accepts TCP connections.)"""

from __future__ import annotations

import contextlib
import http.client
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


def http_get(url: str, timeout: float, limit: int = 0) -> tuple[int, bytes] | None:
    """The status of GET `url` (plain HTTP) and up to `limit` bytes of its body, or None when
    nothing answers.

    The standard library's client on purpose: the supervisor probes every child every few
    seconds, and an httpx client per probe built an SSL context each time (most of the
    supervisor's CPU under load) and kept httpx in its memory.
    """
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        response = connection.getresponse()
        return response.status, response.read(limit) if limit else b""
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def http_status(url: str, timeout: float) -> int | None:
    """The status of GET `url`, or None when nothing answers."""
    answer = http_get(url, timeout)
    return None if answer is None else answer[0]


def all_alive(doors: dict[str, str]) -> Callable[[float], bool]:
    """Alive when every app's GET /healthz (at its base URL) answers 200 within the timeout."""

    def probe(timeout: float) -> bool:
        return all(http_status(f"{door}/healthz", timeout) == 200 for door in doors.values())

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
