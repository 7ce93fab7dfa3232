"""The whole system as separate processes, started, killed, paused and restarted by the tests.

nats-server (JetStream on a temp dir), every service and the gateway, each one
`python -m kelisim.cli serve <name>` on its own port, on SQLite files (or fresh PostgreSQL
databases when TEST_DATABASE_URL is set). In the fault suite's topology the cases service
runs two replicas on one database, so the relay lease can sit on either and a fault can
follow its holder. The production topology runs a 3-node JetStream cluster (streams at
replicas 3) and two replicas of every service and of the gateway, each owner behind a
round-robin balancer as behind a Kubernetes Service.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

from kelisim.anchors import ensure_audit_key
from kelisim.auth import generate_keypair
from kelisim.cli import backbone_of
from kelisim.db import make_engine
from kelisim.migrations import OWNERS
from kelisim.settings import SERVICES, Settings
from kelisim.supervision.child import Child
from tests.support.balancer import Balancer
from tests.support.cli import bare_env
from tests.support.db import fresh_database, migrated
from tests.support.nats import NatsCluster, NatsServer, free_port

ADMIN = ("admin", "admin-password-fault-1")


@dataclass(frozen=True)
class Topology:
    """Which processes run, how many NATS nodes, and whether owners sit behind balancers."""

    processes: tuple[str, ...]
    nats_nodes: int = 1
    balanced: bool = False
    stream_replicas: int = 1


# cases-2 is a second replica of cases on the same database; the gateway talks to `cases`.
FAULTS = Topology((*SERVICES, "cases-2", "gateway"))
PRODUCTION = Topology(
    (*SERVICES, *(f"{s}-2" for s in SERVICES), "gateway", "gateway-2"),
    nats_nodes=3,
    balanced=True,
    stream_replicas=3,
)


def owner_of(process: str) -> str:
    """The service (or gateway) a process runs: `cases-2` runs cases."""
    return process.split("-", 1)[0]


@dataclass
class System:
    """The running processes, their settings (as environment) and their databases."""

    root: Path
    urls: dict[str, str]
    topology: Topology = FAULTS
    ports: dict[str, int] = field(default_factory=dict)
    nats: NatsServer | NatsCluster | None = None
    balancers: dict[str, Balancer] = field(default_factory=dict)
    children: dict[str, Child] = field(default_factory=dict)
    paused: set[str] = field(default_factory=set)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def processes(self) -> tuple[str, ...]:
        return self.topology.processes

    @property
    def gateway_url(self) -> str:
        return self.url_of("gateway")

    def url_of(self, owner: str) -> str:
        """Where callers reach `owner`: its balancer, or its one process."""
        if owner in self.balancers:
            return self.balancers[owner].url
        return f"http://127.0.0.1:{self.ports[owner]}"

    def configure(self) -> None:
        """Ports, keys, migrated databases and the environment every process reads."""
        nodes = self.topology.nats_nodes
        self.nats = (
            NatsCluster(self.root / "nats", nodes) if nodes > 1 else NatsServer(self.root / "nats")
        )
        self.ports = {name: free_port() for name in self.processes}
        if self.topology.balanced:
            for owner in dict.fromkeys(owner_of(p) for p in self.processes):
                backends = [self.ports[p] for p in self.processes if owner_of(p) == owner]
                self.balancers[owner] = Balancer(backends)
        generate_keypair(self.root / "keys")
        # Made once here, as `kelisim up` does, not by six processes racing at their start.
        ensure_audit_key(Settings(data_dir=self.root))
        for owner in OWNERS:
            migrated(owner, self.urls[owner])
        env = bare_env()
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join([str(Path.cwd()), env.get("PYTHONPATH", "")]),
                "KELISIM_ENV": "test",
                "KELISIM_DATA_DIR": str(self.root),
                "KELISIM_NATS_URL": self.nats.url,
                "KELISIM_ADMIN_USERNAME": ADMIN[0],
                "KELISIM_ADMIN_PASSWORD": ADMIN[1],
                "KELISIM_ACCESS_TOKEN_MINUTES": "720",
                "KELISIM_PROXY_TIMEOUT_SECONDS": "4",
                "KELISIM_RELAY_POLL_SECONDS": "0.2",
                "KELISIM_CONSUMER_ACK_WAIT_SECONDS": "5",
                "KELISIM_NOTIFICATIONS_POLL_SECONDS": "0.2",
                "KELISIM_WEBHOOK_TIMEOUT_SECONDS": "3",
                # The spec's retry day in about a minute: a delivery cut by a kill is retried.
                "KELISIM_WEBHOOK_RETRY_SCALE": "0.0005",
                "KELISIM_LOG_LEVEL": "WARNING",
                # The webhook receiver is on loopback, which the SSRF guard refuses unless told.
                "KELISIM_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
                "KELISIM_STREAM_REPLICAS": str(self.topology.stream_replicas),
            }
        )
        for owner in OWNERS:
            env[f"KELISIM_{owner.upper()}_DATABASE_URL"] = self.urls[owner]
        for service in SERVICES:
            env[f"KELISIM_{service.upper()}_URL"] = self.url_of(service)
        self.env = env
        (self.root / "logs").mkdir(exist_ok=True)

    def child(self, process: str) -> Child:
        argv = [
            sys.executable, "-m", "kelisim.cli", "serve", owner_of(process),
            "--host", "127.0.0.1", "--port", str(self.ports[process]),
        ]  # fmt: skip
        return Child(
            process,
            argv,
            doors={owner_of(process): f"http://127.0.0.1:{self.ports[process]}"},
            log_path=self.root / "logs" / f"{process}.log",
        )

    async def start(self) -> None:
        """nats-server, then every process; returns when all answer /readyz."""
        assert self.nats is not None
        await asyncio.to_thread(self.nats.start)
        for balancer in self.balancers.values():
            balancer.start()
        for process in self.processes:
            self.children[process] = self.child(process)
            self.children[process].start(self.env)
        await asyncio.gather(*(self.wait_ready(p) for p in self.processes))

    async def wait_ready(self, process: str, timeout: float = 300) -> None:
        """Poll the process's /readyz until 200; a process that exits meanwhile is an error.

        The deadline is generous: on a shared 2-core machine six Python processes starting
        at once took 122 s to be ready.
        """
        child = self.children[process]
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2, trust_env=False) as client:
            while True:
                if child.exited() is not None:
                    raise RuntimeError(f"{process} exited:\n{_tail(child.log_path)}")
                with contextlib.suppress(httpx.HTTPError):
                    (door,) = child.doors.values()
                    if (await client.get(f"{door}/readyz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{process} not ready:\n{_tail(child.log_path)}")
                await asyncio.sleep(0.2)

    # -- faults -----------------------------------------------------------------------------

    def nats_node(self, process: str) -> NatsServer | None:
        """The nats-server a process name means: `nats-server` alone, or `nats-N` of a cluster."""
        if isinstance(self.nats, NatsCluster) and process.startswith("nats-"):
            return self.nats.nodes[int(process.removeprefix("nats-")) - 1]
        return self.nats if process == "nats-server" and isinstance(self.nats, NatsServer) else None

    def pid(self, process: str) -> int | None:
        if process.startswith("nats-"):
            proc = node.proc if (node := self.nats_node(process)) else None
            return proc.pid if proc and proc.poll() is None else None
        child = self.children.get(process)
        return child.pid if child and child.exited() is None else None

    def signal(self, process: str, sig: int) -> None:
        """Send a signal to one process (nothing if it is not running)."""
        if process.startswith("nats-"):
            node = self.nats_node(process)
            if node and node.proc and node.proc.poll() is None:
                node.proc.send_signal(sig)
        else:
            self.children[process].signal(sig)
        if sig == signal.SIGSTOP:
            self.paused.add(process)
        elif sig == signal.SIGCONT:
            self.paused.discard(process)

    async def kill(self, process: str) -> None:
        """SIGKILL and reap."""
        self.signal(process, signal.SIGKILL)
        self.paused.discard(process)
        if process.startswith("nats-"):
            node = self.nats_node(process)
            assert node and node.proc
            await asyncio.to_thread(node.proc.wait)
            node.proc = None
        else:
            await asyncio.to_thread(self.children[process].wait, 30)
            self.children[process].close_log()

    async def restart(self, process: str) -> None:
        """Start a killed process again and wait until it is ready."""
        if process.startswith("nats-"):
            node = self.nats_node(process)
            assert node is not None
            await asyncio.to_thread(node.start)
            return
        self.children[process] = self.child(process)
        self.children[process].start(self.env)
        await self.wait_ready(process)

    def relay_holder(self, service: str) -> str | None:
        """The process holding `relay:<service>`, read from the lease row (holder host:pid:id)."""
        engine = make_engine(self.urls[service], null_pool=True)
        lease = backbone_of(service).lease
        try:
            with engine.connect() as conn:
                row = conn.execute(
                    select(lease.c.holder).where(lease.c.name == f"relay:{service}")
                ).first()
        finally:
            engine.dispose()
        if row is None:
            return None
        pid = int(row.holder.split(":")[1])
        return next((p for p, c in self.children.items() if c.pid == pid), None)

    async def stop(self) -> None:
        """Stop everything (a paused process is woken first so SIGTERM can reach it)."""
        for process in list(self.paused):
            self.signal(process, signal.SIGCONT)
        for child in reversed(list(self.children.values())):
            child.signal(signal.SIGTERM)
        for child in self.children.values():
            if not await asyncio.to_thread(child.wait, 10):
                child.signal(signal.SIGKILL)
                await asyncio.to_thread(child.wait, 10)
            child.close_log()
        if self.nats is not None:
            await asyncio.to_thread(self.nats.stop)
        for balancer in self.balancers.values():
            balancer.stop()


@contextmanager
def databases(root: Path) -> Iterator[dict[str, str]]:
    """A fresh database per owner: SQLite files, or PostgreSQL with TEST_DATABASE_URL."""
    with ExitStack() as stack:
        yield {owner: stack.enter_context(fresh_database(root, owner)) for owner in OWNERS}


def _tail(log: Path | None, lines: int = 30) -> str:
    """The last lines of a process's log, for a failure message (CI keeps no log files)."""
    if log is None or not log.exists():
        return f"(no log at {log})"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
