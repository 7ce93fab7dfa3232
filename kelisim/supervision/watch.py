"""The keep-alive watch of `kelisim up`: restart what died, kill and restart what hangs.

Each child is probed every `supervisor_health_interval_seconds` (in a thread pool, so a hung
child's probe does not hold up the others). A child that exits, or that fails its probe
`supervisor_health_failures` times in a row, is restarted after its budget's doubling delay;
a budget spent gives the child up while the others keep serving.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import structlog
from prometheus_client import Counter, Gauge

from kelisim.settings import Settings
from kelisim.supervision.child import Child
from kelisim.supervision.health import HealthRecord
from kelisim.supervision.policy import RestartBudget, RestartPolicy

log = structlog.get_logger("kelisim.supervisor")

TICK = 0.1
RESTARTS = Counter(
    "kelisim_supervisor_restarts_total", "Children restarted by kelisim up", ["process", "reason"]
)
UP = Gauge("kelisim_supervisor_process_up", "1 while the child runs and answers", ["process"])
GIVEN_UP = Gauge(
    "kelisim_supervisor_process_given_up", "1 once kelisim up stopped restarting it", ["process"]
)


@dataclass
class Watched:
    """A child under watch: running | starting | waiting (to restart) | given_up."""

    child: Child
    budget: RestartBudget
    health: HealthRecord
    state: str = "running"
    since: float = 0.0
    restart_at: float = 0.0
    reason: str = ""
    next_probe: float = 0.0
    probe: Future[bool] | None = field(default=None, repr=False)


class Watch:
    """Keeps the children alive until `stopping()` says so (kelisim.supervision.Supervisor)."""

    def __init__(
        self, settings: Settings, policy: RestartPolicy, stopping: Callable[[], bool]
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.stopping = stopping

    def run(self, children: list[Child], env: dict[str, str]) -> None:
        """Until a stop signal: restart what died, kill and restart what hangs."""
        now = time.monotonic()
        watched = [
            Watched(
                child,
                RestartBudget(self.policy),
                HealthRecord(self.settings.supervisor_health_failures),
                since=now,
                next_probe=now + self.settings.supervisor_health_interval_seconds,
            )
            for child in children
        ]
        for w in watched:
            UP.labels(w.child.name).set(1)
        probes = ThreadPoolExecutor(max_workers=2 * len(watched) or 1, thread_name_prefix="probe")
        try:
            while not self.stopping():
                for w in watched:
                    if not self.stopping():
                        self._tend(w, env, probes)
                time.sleep(TICK)
        finally:
            probes.shutdown(wait=False, cancel_futures=True)

    def _tend(self, w: Watched, env: dict[str, str], probes: ThreadPoolExecutor) -> None:
        s, now = self.settings, time.monotonic()
        if w.state == "waiting" and now >= w.restart_at:
            w.child.start(env)
            RESTARTS.labels(w.child.name, w.reason).inc()
            w.state, w.since, w.probe = "starting", now, None
            w.health.failed_in_a_row, w.next_probe = 0, now
            log.warning("process.restarted", process=w.child.name, pid=w.child.pid, after=w.reason)
            return
        if w.state not in ("running", "starting"):
            return
        code = w.child.exited()
        if code is not None:
            self._lost(w, "exited", f"exited with code {code}")
            return
        if w.probe is not None and w.probe.done():
            alive, w.probe = w.probe.result(), None
            self._judge(w, alive, now)
        elif w.probe is None and now >= w.next_probe and w.child.alive is not None:
            w.probe = probes.submit(w.child.alive, s.supervisor_health_timeout_seconds)
            w.next_probe = now + s.supervisor_health_interval_seconds
        if w.state == "starting" and now - w.since > s.supervisor_start_seconds:
            self._hung(w, f"did not answer within {s.supervisor_start_seconds:.0f} s of starting")

    def _judge(self, w: Watched, alive: bool, now: float) -> None:
        if w.state == "starting":
            if alive:  # failures while starting are the start timeout's business
                w.state, w.since = "running", now
                UP.labels(w.child.name).set(1)
                log.info("process.recovered", process=w.child.name, pid=w.child.pid)
            return
        if alive:
            w.budget.healthy_for(now - w.since)
        if w.health.record(alive):
            self._hung(w, f"failed {w.health.failed_in_a_row} health checks in a row")

    def _hung(self, w: Watched, why: str) -> None:
        log.error("process.hung", process=w.child.name, pid=w.child.pid, why=why)
        w.child.kill()
        self._lost(w, "hung", why)

    def _lost(self, w: Watched, reason: str, why: str) -> None:
        UP.labels(w.child.name).set(0)
        w.probe = None
        delay = w.budget.next_delay()
        if delay is None:
            w.state = "given_up"
            GIVEN_UP.labels(w.child.name).set(1)
            log.error("process.given_up", process=w.child.name, why=why, restarts=self.policy.limit)
            print(
                f"kelisim up: {w.child.name} {why}; given up after {self.policy.limit} restarts "
                "in a row (the other processes keep serving)",
                file=sys.stderr,
                flush=True,
            )
            return
        w.state, w.reason, w.restart_at = "waiting", reason, time.monotonic() + delay
        log.warning(
            "process.died" if reason == "exited" else "process.killed_hung",
            process=w.child.name,
            why=why,
            restart_in_seconds=round(delay, 2),
            restart=w.budget.in_a_row,
        )
