"""A bounded load through the gateway, as its users: registrations, escalations, votes.

Every client operation is recorded with its outcome: `ok` (a 2xx answer), `failed` (a
refusal the client can trust: a 4xx, or no connection to the gateway at all) or `unknown`
(a timeout or a 5xx: it may or may not have happened). Each registration and escalation
carries a marker of its own in its text, so the checker finds it in the database whatever
the answer was.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.faults.receiver import Received
from tests.faults.system import ADMIN

REGION = "KZ-75"
# Few members (each is two Argon2 hashes at setup), many agenda items (cheap) to vote on.
MEMBERS = ["chair", "secretary", *[f"m{n:02}" for n in range(1, 7)]]
CLIENT_TIMEOUT = 8.0


@dataclass
class Op:
    """One client operation and what the client saw."""

    n: int
    kind: str  # register | escalate | vote
    marker: str = ""
    case_id: str | None = None  # register: the id answered; escalate: the case escalated
    item_id: str | None = None
    username: str | None = None
    choice: str | None = None
    result_id: str | None = None
    status: int | None = None
    outcome: str = "pending"  # ok | failed | unknown
    started: float = 0.0
    ended: float = 0.0


@dataclass
class World:
    """The users, council and open votes the load acts on, made before any fault."""

    client: httpx.AsyncClient
    admin: dict[str, str] = field(default_factory=dict)
    coordinator: dict[str, str] = field(default_factory=dict)
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    council_id: str = ""
    items: list[str] = field(default_factory=list)
    endpoints: dict[str, str] = field(default_factory=dict)  # receiver path -> endpoint id

    async def call(self, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
        """A setup call that must succeed (no faults run yet)."""
        answer = await self.client.request(method, path, headers=headers, **kw)
        assert answer.status_code in (200, 201), f"{method} {path}: {answer.text}"
        return answer.json()

    async def login(self, username: str, password: str) -> dict[str, str]:
        token = await self.call(
            "POST", "/api/v1/auth/token", {}, data={"username": username, "password": password}
        )
        return {"Authorization": f"Bearer {token['access_token']}"}

    async def user(self, username: str, roles: list[str], councils: list[str]) -> dict[str, str]:
        password = f"{username}-password-1"
        body = {
            "username": username,
            "password": password,
            "full_name": username.title(),
            "roles": roles,
            "regions": [REGION],
            "councils": councils,
        }
        await self.call("POST", "/api/v1/users", self.admin, json=body)
        return await self.login(username, password)


async def build_world(client: httpx.AsyncClient, received: Received, items: int) -> World:
    """Users, two liaison endpoints, a council in session with `items` votes open."""
    world = World(client)
    world.admin = await world.login(*ADMIN)
    world.coordinator = await world.user("coordinator", ["coordinator"], [])
    for path, secret in received.secrets.items():
        endpoint = await world.call(
            "POST",
            "/api/v1/notifications/endpoints",
            world.admin,
            json={"region": REGION, "url": received.url(path), "secrets": [secret]},
        )
        world.endpoints[path] = endpoint["id"]
    council = await world.call(
        "POST",
        "/api/v1/councils",
        world.admin,
        json={"name": "Public Accord council of Almaty", "level": "region", "region": REGION},
    )
    world.council_id = council["id"]
    for username in MEMBERS:
        role = username if username in ("chair", "secretary") else "member"
        await world.call(
            "POST",
            f"/api/v1/councils/{world.council_id}/members",
            world.admin,
            json={
                "username": username,
                "full_name": f"{username.title()} Member",
                "role": role,
                "term_start": (date.today() - timedelta(days=30)).isoformat(),
            },
        )
        gateway_role = "council_secretary" if username == "secretary" else "council_member"
        world.members[username] = await world.user(username, [gateway_role], [world.council_id])
    secretary = world.members["secretary"]
    base = "/api/v1/councils"
    session = await world.call(
        "POST",
        f"{base}/{world.council_id}/sessions",
        secretary,
        json={"starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(), "place": "Hall"},
    )
    for n in range(items):
        item = await world.call(
            "POST",
            f"{base}/sessions/{session['id']}/items",
            secretary,
            json={"titles": {"en": f"Item {n + 1}"}, "rapporteur": "A. Seitkali"},
        )
        world.items.append(item["id"])
    await world.call("POST", f"{base}/sessions/{session['id']}/convene", secretary)
    marks = [{"username": u, "present": True} for u in MEMBERS]
    await world.call(
        "PUT", f"{base}/sessions/{session['id']}/attendance", secretary, json={"marks": marks}
    )
    await world.call("POST", f"{base}/sessions/{session['id']}/hold", secretary)
    for item_id in world.items:
        await world.call("POST", f"{base}/items/{item_id}/vote/open", secretary)
    return world


def items_for(operations: int) -> int:
    """Agenda items needed so that a quarter of the operations can be votes."""
    return operations // 4 // len(MEMBERS) + 1


class Load:
    """Client workers issuing operations until the target is met and the faults are over."""

    def __init__(self, world: World, target: int, seed: int, workers: int = 8) -> None:
        self.world = world
        self.target = target
        self.limit = target * 3
        self.workers = workers
        self.rng = random.Random(seed)
        self.ops: list[Op] = []
        self.cases: list[str] = []
        self.ballots = [(i, u) for i in world.items for u in MEMBERS]
        self.rng.shuffle(self.ballots)
        self.faults_over = asyncio.Event()

    def progress(self) -> float:
        """How far through the target the load is (0..1)."""
        return min(len(self.ops) / self.target, 1.0)

    def done(self) -> bool:
        count = len(self.ops)
        return count >= self.limit or (count >= self.target and self.faults_over.is_set())

    def next_op(self) -> Op:
        op = Op(n=len(self.ops), kind="register")
        roll = self.rng.random()
        if roll < 0.25 and self.ballots:
            op.kind = "vote"
            op.item_id, op.username = self.ballots.pop()
            op.choice = self.rng.choice(["for", "against", "abstain"])
        elif roll < 0.55 and self.cases:
            op.kind = "escalate"
            op.case_id = self.rng.choice(self.cases)
        op.marker = f"faultop-{op.n:06}"
        self.ops.append(op)
        return op

    async def run(self) -> None:
        async with httpx.AsyncClient(
            base_url=str(self.world.client.base_url),
            timeout=CLIENT_TIMEOUT,
            limits=httpx.Limits(max_connections=self.workers * 2),
            trust_env=False,
        ) as client:
            await asyncio.gather(*(self._worker(client) for _ in range(self.workers)))

    async def _worker(self, client: httpx.AsyncClient) -> None:
        while not self.done():
            op = self.next_op()
            op.started = time.monotonic()
            try:
                answer = await self._send(client, op)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                op.outcome = "failed"  # the gateway never got the request
            except httpx.HTTPError:
                op.outcome = "unknown"
            else:
                op.status = answer.status_code
                if answer.is_success:
                    op.outcome = "ok"
                    op.result_id = answer.json().get("id")
                    if op.kind == "register":
                        op.case_id = op.result_id
                        self.cases.append(op.result_id or "")
                else:
                    op.outcome = "unknown" if answer.status_code >= 500 else "failed"
            op.ended = time.monotonic()

    async def _send(self, client: httpx.AsyncClient, op: Op) -> httpx.Response:
        world = self.world
        if op.kind == "vote":
            return await client.post(
                f"/api/v1/councils/items/{op.item_id}/votes",
                json={"choice": op.choice},
                headers=world.members[op.username or ""],
            )
        if op.kind == "escalate":
            return await client.post(
                f"/api/v1/cases/{op.case_id}/escalations",
                json={
                    "reason": f"Threats between neighbouring communities ({op.marker})",
                    "risk_of": "interethnic",
                    "risk_level": self.rng.choice(["high", "critical"]),
                    # its own: the same escalation of a case again is refused (409)
                    "summary": f"Tension between neighbouring communities ({op.marker})",
                },
                headers=world.coordinator,
            )
        return await client.post(
            "/api/v1/cases",
            json={
                "region": REGION,
                "category": "neighbour",
                "description": f"A dispute over a shared yard ({op.marker})",
                "parties": [{"kind": "person", "name": f"Party {op.n}"}],
            },
            headers=world.coordinator,
        )
