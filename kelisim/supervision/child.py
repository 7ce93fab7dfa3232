"""One supervised process: started in its own process group, dying with the supervisor."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import structlog

log = structlog.get_logger("kelisim.supervisor")


def _in_child(nice: int) -> None:
    # Runs in the child between fork and exec: if the supervisor dies, the kernel
    # sends SIGTERM to the child, so a crash leaves no orphan holding a port.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)


@dataclass
class Child:
    """One supervised process; `alive` is its liveness probe (True: it answers).

    `doors` are the apps it serves, by owner, each at its base URL (`/readyz`, `/healthz`):
    one for `serve cases`, every app for `serve all`, none for nats-server. `nice`: how
    much lower than the supervisor's its CPU priority is (0: the same).
    """

    name: str
    argv: list[str]
    doors: dict[str, str] = field(default_factory=dict)
    alive: Callable[[float], bool] | None = None
    log_path: Path | None = None
    nice: int = 0
    proc: subprocess.Popen[bytes] | None = None
    _log_file: BinaryIO | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        out = None
        if self.log_path is not None and self._log_file is None:
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in close_log()
        out = self._log_file
        self.proc = subprocess.Popen(
            self.argv,
            env=env,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=functools.partial(_in_child, self.nice),
        )
        log.info("process.started", process=self.name, pid=self.proc.pid, nice=self.nice)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def exited(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def signal(self, sig: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def wait(self, timeout: float) -> bool:
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self) -> None:
        """SIGKILL the whole group (a stopped process dies too) and reap it."""
        self.signal(signal.SIGKILL)
        self.wait(10)

    def close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
