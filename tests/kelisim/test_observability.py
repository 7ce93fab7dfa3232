"""Issue 18, point 2, on real processes: one trace from the API call to the webhook, the
access line, and the gauges during a NATS outage."""

from __future__ import annotations

import asyncio
import json
import re
import time
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
                coordinator = await traced_escalation(system, client, received)
                await backlog_during_outage(system, client, coordinator)
        finally:
            await system.stop()


async def traced_escalation(  # type: ignore[no-untyped-def]
    system: System, client: httpx.AsyncClient, received
) -> dict[str, str]:
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
    token = coordinator["Authorization"].split()[1]
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

    # The gateway's access line: the route template, the user id, no token, no case id.
    gateway = log_lines(system, "gateway")
    access = [
        line
        for line in gateway
        if line.get("event") == "http.access"
        and line.get("method") == "POST"
        and line.get("status") == 201
        and line.get("route") == "/api/v1/cases/{rest:path}"
    ]
    assert access, "no access line for the escalation"
    line = access[-1]
    assert line["user_id"] and isinstance(line["duration_ms"], float)
    raw = (system.root / "logs" / "gateway.log").read_text()
    assert token not in raw and "Bearer" not in raw
    trace = str(line["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{32}", trace)

    # The same trace in the cases service's lines (its access line names its own template)...
    cases = [x for x in log_lines(system, "cases") if x.get("trace_id") == trace]
    assert any(
        x.get("event") == "http.access" and x.get("route") == "/api/v1/cases/{case_id}/escalations"
        for x in cases
    ), cases
    assert case["id"] not in json.dumps([x for x in cases if x.get("event") == "http.access"])
    # ...in the notifications service's, where the consumer continued it from the headers...
    notifications = [x for x in log_lines(system, "notifications") if x.get("trace_id") == trace]
    assert any(x.get("event") == "consumer.handled" for x in notifications), notifications
    # ...and on the webhook itself, carried from the escalation to its delivery.
    assert trace in {trace_id(t) for t in received.traceparents}

    # The file exporter holds spans of all three processes in this one trace.
    spans = [json.loads(s) for s in (system.root / "spans.jsonl").read_text().splitlines()]
    services = {
        s["resource"]["attributes"]["service.name"]
        for s in spans
        if s["context"]["trace_id"] == "0x" + trace
    }
    assert {"kelisim-gateway", "kelisim-cases", "kelisim-notifications"} <= services
    return coordinator


async def backlog_during_outage(
    system: System, client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    """NATS down: writes wait in the outbox, the gauge shows it, the pods stay ready."""
    cases_url = f"http://127.0.0.1:{system.ports['cases']}"
    await system.kill("nats-server")
    backlog = []
    async with httpx.AsyncClient(base_url=cases_url, trust_env=False, timeout=30) as cases:
        for n in range(2):
            answer = await client.post(
                "/api/v1/cases",
                json={"region": REGION, "category": "neighbour", "description": f"Outage {n}"},
                headers=coordinator,
            )
            assert answer.status_code == 201, answer.text
            text = (await cases.get("/metrics")).text
            backlog.append(metric(text, "kelisim_outbox_backlog", "cases"))
            assert metric(text, "kelisim_nats_connected", "cases") == 0
            assert (await cases.get("/readyz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        assert backlog[0] is not None and backlog[0] >= 1
        assert backlog[1] == backlog[0] + 1, backlog
        assert 'kelisim_consumer_pending{app="cases"' not in text  # unknown, not stale

        await system.restart("nats-server")

        async def drained() -> bool:
            text = (await cases.get("/metrics")).text
            return metric(text, "kelisim_outbox_backlog", "cases") == 0

        assert await eventually(drained), "the outbox never drained"
