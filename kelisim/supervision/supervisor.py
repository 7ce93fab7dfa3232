"""`kelisim up` as a process manager: start in order, keep every child alive, stop cleanly.

A child that exits, or that fails its liveness probe `supervisor_health_failures` times in a
row (a hung process: SIGKILL first), is restarted after a doubling delay; after
`supervisor_restart_limit` restarts in a row it is given up (said in the log, on stderr and in
the metrics) while the others keep serving. Ctrl-C or SIGTERM stops everything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import start_http_server

from kelisim.fonts import printing_problem
from kelisim.mailsink import MailSink
from kelisim.settings import SERVICES, Settings
from kelisim.supervision.child import Child
from kelisim.supervision.health import all_alive, http_status, nats_alive
from kelisim.supervision.mail import open_mail_sink, where_mail_goes
from kelisim.supervision.policy import RestartPolicy
from kelisim.supervision.system import (
    PidFile,
    SupervisorError,
    nats_address,
    nats_server_binary,
    port_in_use,
    present,
    write_nats_config,
)
from kelisim.supervision.watch import Watch

log = structlog.get_logger("kelisim.supervisor")

STOP_TIMEOUT = 10.0
ONE_PROCESS = "kelisim"  # the child's name when every app runs in one process
# Apps off the escalation path, run nicer per service (`Settings.background_nice`).
BACKGROUND = frozenset({"analytics"})


class Supervisor:
    """Starts the children in order, waits until all are ready, keeps them alive, stops them."""

    def __init__(self, settings: Settings, *, ready_timeout: float | None = None) -> None:
        self.settings = settings
        self.ready_timeout = ready_timeout or settings.ready_timeout_seconds
        self.children: list[Child] = []
        self.nats: Child | None = None
        self.stopping = False
        self.data_dir = settings.data_dir.resolve()
        self.pidfile = PidFile.of(settings)
        self.policy = RestartPolicy.from_settings(settings)
        self._metrics: WSGIServer | None = None
        self.mail_sink: MailSink | None = None

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env["KELISIM_DATA_DIR"] = str(self.data_dir)
        env.setdefault("PYTHONUNBUFFERED", "1")
        # glibc gives each thread that allocates its own arena: with uvicorn's thread pool a
        # service held tens of MB of half-empty arenas. Two keep the threads' speed.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        env.update(extra or {})
        return env

    def plan(self) -> list[Child]:
        """The web processes to run: every present app in one, or one each and the gateway last."""
        s = self.settings
        owners = []
        for owner in [*SERVICES, "gateway"]:
            if present(owner):
                owners.append(owner)
            else:
                log.warning("process.absent", process=owner, note="package not installed; skipped")
        ports = {owner: getattr(s, f"{owner}_port") for owner in owners}
        doors = {owner: f"http://{s.host}:{port}" for owner, port in ports.items()}
        serve = [sys.executable, "-m", "kelisim.cli", "serve"]
        if s.processes == "one":
            if not owners:
                return []
            # the keys and migrations too, in that process (no process of their own)
            argv = [*serve, "all", "--prepare"]
            return [Child(ONE_PROCESS, argv, doors=doors, alive=all_alive(doors))]
        return [
            Child(
                owner,
                [*serve, owner, "--host", s.host, "--port", str(ports[owner])],
                doors={owner: doors[owner]},
                alive=all_alive({owner: doors[owner]}),
                nice=s.background_nice if owner in BACKGROUND else 0,
            )
            for owner in owners
        ]

    def check_ports(self, children: list[Child]) -> None:
        """Refuse to start when a port is taken, naming the port and who wanted it."""
        wanted = [
            (owner, self.settings.host, getattr(self.settings, f"{owner}_port"))
            for c in children
            for owner in c.doors
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

    def serve_metrics(self) -> None:
        """The supervisor's own /metrics (restarts per child); a taken port only warns."""
        port, host = self.settings.supervisor_metrics_port, self.settings.host
        if not port:
            return
        try:  # not a check first: another process can take the port between check and bind
            server, _thread = start_http_server(port, addr=host)
        except OSError as exc:
            log.warning("supervisor.metrics_unavailable", port=port, reason=exc.strerror)
            return
        self._metrics = server
        log.info("supervisor.metrics", url=f"http://{host}:{port}/metrics")

    def start_nats(self, env: dict[str, str]) -> Child:
        """Start the embedded nats-server; `wait_nats` waits until it accepts connections."""
        config = write_nats_config(self.settings)
        _, port = nats_address(self.settings.nats_url)
        self.nats = Child(
            "nats-server",
            [nats_server_binary(), "-c", str(config)],
            alive=nats_alive("127.0.0.1", port),
            log_path=config.parent / "nats.log",
        )
        self.nats.start(env)
        return self.nats

    def wait_nats(self, nats: Child) -> None:
        host, port = nats_address(self.settings.nats_url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self.stopping:
            code = nats.exited()
            if code is not None:
                raise SupervisorError(f"nats-server exited with code {code}; see {nats.log_path}")
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
                log.info("nats.ready", url=self.settings.nats_url)
                return
            time.sleep(0.05)
        if not self.stopping:
            raise SupervisorError("nats-server did not accept connections within 20 s")

    def wait_ready(self, children: list[Child], serving: frozenset[str] = frozenset()) -> None:
        """Poll every app's /readyz until 200; a child that exits meanwhile is an error.

        A child without doors (nats-server) has nothing to poll: it counts as ready once
        started. The apps named in `serving` need only answer their liveness probe (the
        gateway while the demo is being made: its /readyz waits for the demo).
        """
        pending = {c.name: c for c in children}
        deadline = time.monotonic() + self.ready_timeout
        while pending and not self.stopping:
            for name, child in list(pending.items()):
                code = child.exited()
                if code is not None:
                    raise SupervisorError(f"{name} exited with code {code} while starting")
                if all(
                    http_status(f"{door}/{'healthz' if owner in serving else 'readyz'}", 1.0) == 200
                    for owner, door in child.doors.items()
                ):
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
        seed: Callable[[str], None] | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> int:
        """Start everything, keep it alive until a signal, stop everything; the exit code.

        With `seed` (the demo), the gateway is started, `seed` makes the demo through it, and
        only then is the system ready: the gateway's /readyz waits for `demo_marker`.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.pidfile.acquire()
            if seed is not None:  # the demo of this start, not of an earlier one
                self.settings.demo_marker.unlink(missing_ok=True)
            children = self.plan()
            self.check_ports(children)
            self.serve_metrics()
            self.mail_sink, told = open_mail_sink(self.settings)
            env = self.env({**(extra_env or {}), **told})
            # nats-server starts beside the apps, not before them: they connect only after
            # their imports (a second or two), when it has long been ready (in 50 ms).
            nats = self.start_nats(env) if self.settings.nats_embedded else None
            if self.settings.processes != "one":  # else `serve all --prepare` (see plan)
                prepare()
            started = time.monotonic()
            for child in children:
                if self.stopping:
                    break
                child.start(env)
                self.children.append(child)
            if nats is not None:
                self.wait_nats(nats)
            url = f"http://{self.settings.host}:{self.settings.gateway_port}"
            front = next((c for c in children if "gateway" in c.doors), None)
            if seed is not None and front is not None:
                self.wait_ready(children, serving=frozenset({"gateway"}))
                if not self.stopping:
                    seed(url)
            self.wait_ready(children)
            if self.stopping:
                return 0
            took = time.monotonic() - started
            log.info("kelisim.ready", url=url if front else None, seconds=round(took, 2))
            print(where_mail_goes(self.settings, self.mail_sink, url), flush=True)
            if (why := printing_problem()) is not None:  # the rest works: say it, go on
                log.warning("printing.unavailable", reason=why)
                print(f"Printing is off. {why}", flush=True)
            print(f"Kelisim is ready: {url if front else '(no gateway installed yet)'}", flush=True)
            self._watch(env)
            return 0
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
            for child in self._all():
                child.signal(signal.SIGKILL)
            return
        log.info("kelisim.stopping", signal=signal.Signals(signum).name)
        self.stopping = True

    def _all(self) -> list[Child]:
        return [*([self.nats] if self.nats else []), *self.children]

    def _watch(self, env: dict[str, str]) -> None:
        """Until a stop signal: restart what died, kill and restart what hangs."""
        Watch(self.settings, self.policy, lambda: self.stopping).run(self._all(), env)

    def stop(self) -> None:
        """SIGTERM the web processes, then nats-server; SIGKILL what outlives the timeout."""
        self._stop_group(list(reversed(self.children)))
        if self.nats is not None:
            self._stop_group([self.nats])
        for child in self._all():
            child.close_log()
        self.children = []
        self.nats = None
        if self._metrics is not None:
            self._metrics.shutdown()
            self._metrics = None
        if self.mail_sink is not None:
            self.mail_sink.stop()
            self.mail_sink = None

    def _stop_group(self, children: list[Child]) -> None:
        for child in children:
            child.signal(signal.SIGCONT)  # a stopped child cannot act on SIGTERM
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            if not child.wait(max(0.0, deadline - time.monotonic())):
                log.warning("process.killed", process=child.name, pid=child.pid)
                child.signal(signal.SIGKILL)
                child.wait(5)
            else:
                log.info("process.stopped", process=child.name, code=child.exited())
