"""Issue 18, point 2, on real processes: one trace from the API call to the webhook, the
access line, and the gauges during a NATS outage."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kelisim.bus.headers import trace_id
from tests.faults.load import REGION, World
from tests.faults.receiver import receiver
from tests.faults.system import ADMIN, System, databases

pytestmark = pytest.mark.slow
PROCESSES = ("cases", "notifications", "gateway")


def log_lines(system: System, process: str) -> list[dict[str, object]]:
    """The process's JSON log lines (anything else it printed is skipped)."""
    lines = []
    for raw in (system.root / "logs" / f"{process}.log").read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def metric(text: str, name: str, app: str) -> float | None:
    found = re.search(rf'^{name}{{app="{app}"}} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else None


async def eventually(check, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.3)


@dataclass
class Trace:
    """What one escalation left behind: its trace id and where that trace was seen."""

    id: str
    access: dict[str, object]  # the gateway's access line of the call
    gateway_log: str  # the gateway's whole log, as written
    token: str  # the caller's bearer token
    case_id: str
    cases: list[dict[str, object]]  # the cases service's lines of the trace
    notifications: list[dict[str, object]]  # the notifications service's lines of the trace
    webhooks: set[str]  # the trace ids the webhooks carried
    services: set[str]  # the services whose spans the file exporter holds for the trace


@dataclass
class Outage:
    """What the cases service and the gateway showed while NATS was down, and after."""

    backlog: list[float | None]  # the outbox gauge after each write
    connected: list[float | None]  # the NATS gauge after each write
    ready: list[int]  # /readyz of the cases service after each write, then of the gateway
    pending_reported: bool  # whether a consumer's pending count was shown (it is unknown)
    drained: bool  # whether the outbox emptied once NATS was back


async def test_one_trace_from_the_api_call_to_the_webhook_and_gauges_in_an_outage(
    tmp_path: Path,
):
    with databases(tmp_path) as urls, receiver() as received:
        system = System(tmp_path, urls)
        await asyncio.to_thread(system.configure)
        system.env.update(
            KELISIM_LOG_LEVEL="INFO",
            KELISIM_LOG_JSON="true",
            KELISIM_TRACE_FILE=str(tmp_path / "spans.jsonl"),
        )
        try:
            await asyncio.to_thread(system.nats.start)  # type: ignore[union-attr]
            for process in PROCESSES:
                system.children[process] = system.child(process)
                system.children[process].start(system.env)
            await asyncio.gather(*(system.wait_ready(p) for p in PROCESSES))
            async with httpx.AsyncClient(
                base_url=system.gateway_url, timeout=60, trust_env=False
            ) as client:
                coordinator, trace = await traced_escalation(system, client, received)
                outage = await backlog_during_outage(system, client, coordinator)
        finally:
            await system.stop()

    # The gateway's access line: the route template, the user id, no token, no case id.
    assert trace.access["user_id"] and isinstance(trace.access["duration_ms"], float)
    assert trace.token not in trace.gateway_log and "Bearer" not in trace.gateway_log
    assert re.fullmatch(r"[0-9a-f]{32}", trace.id)
    # The same trace in the cases service's lines (its access line names its own template)...
    cases_access = [x for x in trace.cases if x.get("event") == "http.access"]
    assert any(x.get("route") == "/api/v1/cases/{case_id}/escalations" for x in cases_access), (
        trace.cases
    )
    assert trace.case_id not in json.dumps(cases_access)
    # ...in the notifications service's, where the consumer continued it from the headers...
    assert any(x.get("event") == "consumer.handled" for x in trace.notifications), (
        trace.notifications
    )
    # ...and on the webhook itself, carried from the escalation to its delivery.
    assert trace.id in trace.webhooks
    # The file exporter holds spans of all three processes in this one trace.
    assert {"kelisim-gateway", "kelisim-cases", "kelisim-notifications"} <= trace.services

    # NATS down: writes wait in the outbox, the gauge shows it, the pods stay ready.
    assert outage.backlog[0] is not None and outage.backlog[0] >= 1
    assert outage.backlog[1] == outage.backlog[0] + 1, outage.backlog
    assert outage.connected == [0, 0]
    assert outage.ready == [200, 200, 200]
    assert not outage.pending_reported  # unknown, not stale
    assert outage.drained, "the outbox never drained"


async def traced_escalation(  # type: ignore[no-untyped-def]
    system: System, client: httpx.AsyncClient, received
) -> tuple[dict[str, str], Trace]:
    """Escalate a case as a coordinator; the coordinator's headers and where its trace went."""
    world = World(client)
    world.admin = await world.login(*ADMIN)
    coordinator = await world.user("coordinator", ["coordinator"], [])
    secret = received.secrets["police"]
    await world.call(
        "POST",
        "/api/v1/notifications/endpoints",
        world.admin,
        json={"region": REGION, "url": received.url("police"), "secrets": [secret]},
    )
    case = await world.call(
        "POST",
        "/api/v1/cases",
        coordinator,
        json={
            "region": REGION,
            "category": "neighbour",
            "description": "A dispute over a shared yard (trace)",
        },
    )
    escalated = await client.post(
        f"/api/v1/cases/{case['id']}/escalations",
        json={
            "reason": "Threats between neighbouring communities (trace)",
            "risk_of": "interethnic",
            "risk_level": "high",
            "summary": "Tension between neighbouring communities",
        },
        headers=coordinator,
    )
    assert escalated.status_code == 201, escalated.text

    async def webhook_arrived() -> bool:
        return any(call[2] == escalated.json()["id"] for call in received.calls)

    assert await eventually(webhook_arrived), "the webhook never arrived"
    access = [
        line
        for line in log_lines(system, "gateway")
        if line.get("event") == "http.access"
        and line.get("method") == "POST"
        and line.get("status") == 201
        and line.get("route") == "/api/v1/cases/{rest:path}"
    ]
    assert access, "no access line for the escalation"
    trace = str(access[-1]["trace_id"])
    spans = [json.loads(s) for s in (system.root / "spans.jsonl").read_text().splitlines()]
    return coordinator, Trace(
        id=trace,
        access=access[-1],
        gateway_log=(system.root / "logs" / "gateway.log").read_text(),
        token=coordinator["Authorization"].split()[1],
        case_id=case["id"],
        cases=[x for x in log_lines(system, "cases") if x.get("trace_id") == trace],
        notifications=[x for x in log_lines(system, "notifications") if x.get("trace_id") == trace],
        webhooks={trace_id(t) for t in received.traceparents},
        services={
            s["resource"]["attributes"]["service.name"]
            for s in spans
            if s["context"]["trace_id"] == "0x" + trace
        },
    )


async def backlog_during_outage(
    system: System, client: httpx.AsyncClient, coordinator: dict[str, str]
) -> Outage:
    """Stop NATS, write twice, read the gauges and readiness; start it and wait for the drain."""
    cases_url = f"http://127.0.0.1:{system.ports['cases']}"
    await system.kill("nats-server")
    outage = Outage(backlog=[], connected=[], ready=[], pending_reported=False, drained=False)
    async with httpx.AsyncClient(base_url=cases_url, trust_env=False, timeout=30) as cases:
        for n in range(2):
            answer = await client.post(
                "/api/v1/cases",
                json={"region": REGION, "category": "neighbour", "description": f"Outage {n}"},
                headers=coordinator,
            )
            assert answer.status_code == 201, answer.text
            text = (await cases.get("/metrics")).text
            outage.backlog.append(metric(text, "kelisim_outbox_backlog", "cases"))
            outage.connected.append(metric(text, "kelisim_nats_connected", "cases"))
            outage.ready.append((await cases.get("/readyz")).status_code)
        outage.ready.append((await client.get("/readyz")).status_code)
        outage.pending_reported = 'kelisim_consumer_pending{app="cases"' in text

        await system.restart("nats-server")

        async def drained() -> bool:
            text = (await cases.get("/metrics")).text
            return metric(text, "kelisim_outbox_backlog", "cases") == 0

        outage.drained = await eventually(drained)
    return outage
