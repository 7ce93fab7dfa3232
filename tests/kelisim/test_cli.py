"""The `kelisim` command as an operator uses it: real processes, real ports, a real data folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from kelisim import audit
from kelisim.db import make_engine
from kelisim.supervision import present
from tests.support.cli import bare_env
from tests.support.db import fresh_database
from tests.support.nats import free_port

REPO = Path(__file__).resolve().parents[2]
OWNERS = ("gateway", "cases", "councils", "notifications", "analytics")


@dataclass
class System:
    """The environment of one embedded Kelisim installation under test."""

    data_dir: Path
    env: dict[str, str]
    ports: dict[str, int]

    def url(self, owner: str) -> str:
        return f"http://127.0.0.1:{self.ports[owner]}"

    @property
    def front(self) -> str:
        """The process people reach: the gateway, or the cases service until it exists."""
        return "gateway" if present("gateway") else "cases"

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kelisim.cli", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def up(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.data_dir.parent / "up.log", "ab")  # noqa: SIM115 - the child holds it
        return subprocess.Popen(
            [sys.executable, "-m", "kelisim.cli", "up", *args],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        path = self.data_dir.parent / "up.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    """Free ports, a fresh data folder and fresh databases (PostgreSQL when the tests use it)."""
    ports = {owner: free_port() for owner in (*OWNERS, "nats", "mail_sink")}
    env = bare_env()
    env.update(
        KELISIM_ENV="test",
        KELISIM_DATA_DIR=str(tmp_path / "var"),
        KELISIM_NATS_URL=f"nats://127.0.0.1:{ports['nats']}",
        KELISIM_MAIL_SINK_PORT=str(ports["mail_sink"]),
        **{f"KELISIM_{owner.upper()}_PORT": str(ports[owner]) for owner in OWNERS},
    )
    with ExitStack() as stack:
        if os.environ.get("TEST_DATABASE_URL"):
            for owner in OWNERS:
                url = stack.enter_context(fresh_database(tmp_path, owner))
                env[f"KELISIM_{owner.upper()}_DATABASE_URL"] = url
        yield System(tmp_path / "var", env, ports)


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


READY_GUARD = 300


def wait_until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def ready(url: str) -> bool:
    """Ready and (as /status reports) connected, consumers running, every service ready."""
    try:
        answer = httpx.get(f"{url}/status", timeout=1, trust_env=False)
    except httpx.HTTPError:
        return False
    if answer.status_code != 200:
        return False
    status = answer.json()
    parts = [status.get("consumers", {}), status.get("services", {})]
    return bool(status["ready"] and status["nats"] and all(all(p.values()) for p in parts))


READY_LINE = "Kelisim is ready"


def said_ready(system: System, before: int) -> bool:
    """Whether `kelisim up` printed its ready line since `before` of them were in the log."""
    return system.log().count(READY_LINE) > before


def start_and_wait_ready(system: System, *args: str) -> tuple[subprocess.Popen[bytes], float]:
    """Run `kelisim up`; return it and the seconds until the front door answered ready."""
    before = system.log().count(READY_LINE)
    started = time.monotonic()
    proc = system.up(*args)
    # A guard against a hang, not a measure (bench/startup.py measures): on a CI machine
    # running two suites side by side, five processes importing at once took 60 s.
    deadline = started + READY_GUARD
    # The log first: a /status asks every app, and twenty a second took the CPU the start
    # (and the demo) needed. The front door's own word is still what counts.
    while not (said_ready(system, before) and ready(system.url(system.front))):
        assert proc.poll() is None, f"kelisim up exited early:\n{system.log()}"
        assert time.monotonic() < deadline, f"not ready in {READY_GUARD} s:\n{system.log()}"
        time.sleep(0.05)
    return proc, time.monotonic() - started


def expected_children(system: System) -> int:
    """nats-server and the one process of every app, or a process per app."""
    if system.env.get("KELISIM_PROCESSES", "one") == "one":
        return 2
    return 1 + sum(present(owner) for owner in OWNERS)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.slow
def test_up_gets_every_process_ready_and_ctrl_c_leaves_no_process_behind(system: System):
    # How fast (the 10-second promise) is measured by bench/startup.py, not by a timed test.
    # The gateway's metrics door open, as by default: a second server in the process.
    system.ports["gateway_metrics"] = free_port()
    system.env["KELISIM_GATEWAY_METRICS_PORT"] = str(system.ports["gateway_metrics"])
    proc, _seconds = start_and_wait_ready(system)
    try:
        wait_until(lambda: len(children_of(proc.pid)) == expected_children(system), 10, "children")
        children = children_of(proc.pid)
        for owner in OWNERS:
            if present(owner):
                assert ready(system.url(owner)), f"{owner} is not ready"
        assert (system.data_dir / "keys" / "token_ed25519.pem").exists()
        assert (system.data_dir / "nats" / "jetstream").is_dir()
        assert "sync_interval: always" in (system.data_dir / "nats" / "nats.conf").read_text()
        # The operator's view: every app ready, on NATS, its consumers running (exit 0).
        wait_until(lambda: system.run("status").returncode == 0, 60, "kelisim status: healthy")
        report = json.loads(system.run("status", "--json").stdout)
        assert report["up_pid"] == proc.pid and report["healthy"] is True
        assert set(report["apps"]) == {owner for owner in OWNERS if present(owner)}
        shown = system.run("status").stdout.splitlines()
        assert shown[0] == f"kelisim up: running, pid {proc.pid}"
        assert all("ready; nats connected" in line for line in shown[1:]), shown
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
    assert code == 0, system.log()
    stopped = system.run("status")
    assert stopped.returncode == 1
    assert stopped.stdout.splitlines()[0].startswith("kelisim up: not running on ")
    apps = stopped.stdout.splitlines()[1:]
    assert apps and all("not answering at http://127.0.0.1:" in line for line in apps), apps
    assert [pid for pid in children if running(pid)] == []
    assert all(port_free(port) for port in system.ports.values())
    assert not (system.data_dir / "kelisim.pid").exists()
    # Each app stopped gracefully (its lifespan's shutdown ran), none with a traceback.
    log = system.log()
    assert log.count("Application shutdown complete") == sum(present(o) for o in OWNERS), log
    assert "Traceback" not in log


@pytest.mark.slow
def test_a_second_up_with_demo_data_works_after_the_first_one_crashed(system: System):
    first, _ = start_and_wait_ready(system)
    children = children_of(first.pid)
    first.kill()  # the supervisor dies without cleaning up: pid file and nats store stay
    first.wait(10)
    wait_until(lambda: not any(running(pid) for pid in children), 20, "orphans to exit")
    assert (system.data_dir / "kelisim.pid").exists()

    second, _ = start_and_wait_ready(system, "--demo")
    try:
        if present("gateway", "demo"):
            wait_until(lambda: "Demo data ready" in system.log(), 300, "demo data")
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(30)
    assert code == 0, system.log()
    assert "stale" in system.log()


@pytest.mark.slow
def test_up_uses_an_external_nats_when_told_not_to_embed_one(system: System, clean_nats: str):
    system.env.update(KELISIM_NATS_EMBEDDED="false", KELISIM_NATS_URL=clean_nats)
    proc, _ = start_and_wait_ready(system)
    try:
        alone = expected_children(system) - 1  # no nats-server of its own
        wait_until(lambda: len(children_of(proc.pid)) == alone, 10, "children")
        assert not (system.data_dir / "nats").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
    assert code == 0, system.log()


def test_up_names_a_port_that_is_already_taken(system: System):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", system.ports["cases"]))
        squatter.listen()
        result = system.run("up", timeout=60)
    assert result.returncode == 1
    assert "port already in use" in result.stderr
    assert str(system.ports["cases"]) in result.stderr
    assert not (system.data_dir / "nats" / "nats.log").exists()


@pytest.mark.slow
def test_serve_all_stops_every_app_when_one_cannot_start(system: System):
    """A port taken after `up` checked it: the one process exits 1, nothing keeps serving."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", system.ports["cases"]))
        squatter.listen()
        result = system.run("serve", "all", "--prepare", timeout=240)
    assert result.returncode == 1, result.stderr
    assert "serve.app_stopped" in result.stderr
    assert "serve-cases" in result.stderr
    others = [owner for owner in OWNERS if owner != "cases" and present(owner)]
    assert others and all(port_free(system.ports[owner]) for owner in others)


def test_demo_data_is_refused_in_production(system: System):
    system.env["KELISIM_ENV"] = "production"
    result = system.run("up", "--demo", timeout=60)
    assert result.returncode == 2
    assert "production" in result.stderr


def test_demo_data_never_told_the_address_makes_no_demo(system: System):
    # `up --demo` starts it with the apps; a start that fails or is stopped closes its stdin.
    result = subprocess.run(
        [sys.executable, "-m", "kelisim.cli", "demo-data", "-"],
        env=system.env,
        cwd=REPO,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Demo data" not in result.stdout + result.stderr
    assert not (system.data_dir / "demo-ready").exists()


def test_migrate_twice_changes_nothing_the_second_time(system: System):
    first = system.run("migrate")
    assert first.returncode == 0, first.stderr
    second = system.run("migrate")
    assert second.returncode == 0, second.stderr
    assert "cases" in second.stdout
    assert "Running upgrade" in first.stderr
    assert "Running upgrade" not in second.stderr


def _cases_engine(system: System):  # type: ignore[no-untyped-def]
    url = system.env.get("KELISIM_CASES_DATABASE_URL") or f"sqlite:///{system.data_dir}/cases.db"
    return make_engine(url, null_pool=True)


def test_audit_verify_passes_on_a_fresh_system_and_names_an_edited_entry(system: System):
    from services.cases.models import backbone

    assert system.run("migrate").returncode == 0
    fresh = system.run("audit", "verify", "--offline")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "cases: 0 entries, chain intact" in fresh.stdout

    engine = _cases_engine(system)
    try:
        with engine.begin() as conn:
            for n in range(3):
                audit.append(
                    conn, backbone, actor="m1", action="case.registered", entity="case",
                    entity_id=f"c{n}", after={"status": "registered"},
                )  # fmt: skip
        intact = system.run("audit", "verify", "--offline")
        assert intact.returncode == 0, intact.stdout
        assert "cases: 3 entries, chain intact" in intact.stdout

        log_t = backbone.audit_log
        with engine.begin() as conn:
            second = conn.execute(select(log_t.c.seq).order_by(log_t.c.seq)).scalars().all()[1]
            conn.execute(
                update(log_t)
                .where(log_t.c.seq == second)
                .values(after=json.dumps({"status": "closed"}))
            )
    finally:
        engine.dispose()
    tampered = system.run("audit", "verify", "--offline")
    assert tampered.returncode == 1
    assert f"cases: BROKEN at seq {second}: entry content altered" in tampered.stdout


def test_events_replay_queues_sent_events_again_from_the_given_time(system: System):
    from services.cases.models import backbone

    assert system.run("migrate").returncode == 0
    now = datetime.now(UTC)
    outbox = backbone.outbox
    engine = _cases_engine(system)
    try:
        with engine.begin() as conn:
            for event_id, age in (("old", timedelta(days=2)), ("recent", timedelta(minutes=5))):
                conn.execute(
                    outbox.insert().values(
                        event_id=event_id, subject="cases.case.registered", aggregate="case:1",
                        envelope="{}", headers="{}", created_at=now - age, sent_at=now - age,
                    )
                )  # fmt: skip
        since = (now - timedelta(hours=1)).isoformat()
        result = system.run("events", "replay", "--since", since, "--service", "cases")
        assert result.returncode == 0, result.stderr
        assert "cases: 1 events queued again" in result.stdout
        with engine.connect() as conn:
            pending = conn.execute(
                select(outbox.c.event_id).where(outbox.c.sent_at.is_(None))
            ).scalars()
            assert list(pending) == ["recent"]
    finally:
        engine.dispose()
