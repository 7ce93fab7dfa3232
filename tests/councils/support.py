"""Drive a council through the councils service's API as its secretary, chair and members."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import nats
from sqlalchemy import func, select

from kelisim.settings import Settings
from tests.support.checks import items_of
from tests.support.services import bearer

REGION = "KZ-75"
PROBLEM = "application/problem+json"


def admin(settings: Settings) -> dict[str, str]:
    return bearer(settings, "councils", sub="admin", roles=["admin"])


@dataclass
class CouncilWorld:
    """A council of `chair`, `secretary` and members m1..m7, seen through the API."""

    client: httpx.AsyncClient
    settings: Settings
    id: str
    region: str
    usernames: list[str] = field(default_factory=list)
    logins: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_(self, username: str, **claims: Any) -> dict[str, str]:
        """The token the gateway would send for this member (scoped to this council)."""
        if username in self.logins:
            return self.logins[username]
        roles = ["council_secretary"] if username.endswith("secretary") else ["council_member"]
        values: dict[str, Any] = {
            "sub": username,
            "roles": roles,
            "regions": [self.region],
            "councils": [self.id],
            **claims,
        }
        return bearer(self.settings, "councils", **values)

    @property
    def secretary(self) -> dict[str, str]:
        return self.as_("secretary")

    async def post(self, path: str, who: str = "secretary", **kwargs: Any) -> httpx.Response:
        return await self.client.post(f"/api/v1/councils{path}", headers=self.as_(who), **kwargs)

    async def get(self, path: str, who: str = "secretary", **kwargs: Any) -> httpx.Response:
        return await self.client.get(f"/api/v1/councils{path}", headers=self.as_(who), **kwargs)

    async def ok(self, method: str, path: str, who: str = "secretary", **kwargs: Any) -> Any:
        response = await self.client.request(
            method, f"/api/v1/councils{path}", headers=self.as_(who), **kwargs
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def items(self, path: str, who: str = "secretary", **kwargs: Any) -> list[Any]:
        """The items of a list (the one envelope, all on one page)."""
        return items_of(await self.get(path, who, **kwargs))

    async def plan_session(
        self, items: int = 1, rule: str | None = None, starts_in: timedelta = timedelta(days=3)
    ) -> tuple[str, list[str]]:
        """A planned session with `items` agenda items, starting `starts_in` from now (a
        negative delta: one that met in the past); returns its id and the items' ids."""
        session = await self.ok(
            "POST",
            f"/{self.id}/sessions",
            json={
                "title": "Session on interethnic accord",
                "starts_at": (datetime.now(UTC) + starts_in).isoformat(),
                "place": "Friendship House, Almaty",
            },
        )
        item_ids = []
        for n in range(items):
            item = await self.ok(
                "POST",
                f"/sessions/{session['id']}/items",
                json={
                    "titles": {
                        "kk": f"{n + 1}-мәселе",
                        "ru": f"Вопрос {n + 1}",
                        "en": f"Item {n + 1}",
                    },
                    "proposal": {"ru": "Рекомендовать акимату", "en": "Recommend the akimat"},
                    "rapporteur": "A. Seitkali",
                    "decision_rule": rule,
                },
            )
            item_ids.append(item["id"])
        return session["id"], item_ids

    async def sitting(
        self,
        present: list[str],
        items: int = 1,
        rule: str | None = None,
        starts_in: timedelta = timedelta(days=3),
    ) -> tuple[str, list[str]]:
        """A session convened and held with `present` marked present, the rest absent."""
        session_id, item_ids = await self.plan_session(items, rule, starts_in)
        await self.ok("POST", f"/sessions/{session_id}/convene")
        marks = [{"username": u, "present": u in present} for u in self.usernames]
        await self.ok("PUT", f"/sessions/{session_id}/attendance", json={"marks": marks})
        await self.ok("POST", f"/sessions/{session_id}/hold")
        return session_id, item_ids

    async def vote(self, item_id: str, choices: dict[str, str]) -> None:
        for username, choice in choices.items():
            await self.ok("POST", f"/items/{item_id}/votes", who=username, json={"choice": choice})


MEMBERS = ["chair", "secretary", *[f"m{n}" for n in range(1, 8)]]


PRESENT = [u for u in MEMBERS if u != "m7"]


async def held_and_decided(council: CouncilWorld) -> tuple[str, str]:
    """A closed session whose one item was adopted 5-1-1 with m6 recused."""
    session_id, (item_id,) = await council.sitting(present=PRESENT)
    await council.ok("POST", f"/items/{item_id}/recusal", who="m6", json={})
    await council.ok("POST", f"/items/{item_id}/vote/open")
    choices = ["for"] * 5 + ["against", "abstain"]
    await council.vote(item_id, dict(zip([u for u in PRESENT if u != "m6"], choices, strict=True)))
    await council.ok("POST", f"/items/{item_id}/vote/close")
    await council.ok("POST", f"/sessions/{session_id}/close")
    return session_id, item_id


async def published(council: CouncilWorld, session_id: str) -> Any:
    """The session's minutes drafted, then circulated, approved, signed and published."""
    protocol = await council.ok("POST", f"/sessions/{session_id}/protocol")
    return await publish(council, protocol["id"])


async def publish(council: CouncilWorld, pid: str) -> Any:
    """A drafted protocol (or correction) circulated, approved, signed by both and published."""
    await council.ok("POST", f"/protocols/{pid}/circulate")
    await council.ok("POST", f"/protocols/{pid}/approve")
    await council.ok("POST", f"/protocols/{pid}/sign", who="chair")
    await council.ok("POST", f"/protocols/{pid}/sign")
    return await council.ok("POST", f"/protocols/{pid}/publish")


async def make_council(
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    name: str = "Public Accord council of Almaty",
    region: str = REGION,
    members: list[str] = MEMBERS,
    prefix: str = "",
    admin_headers: dict[str, str] | None = None,
    term_start: date | None = None,
    **options: Any,
) -> CouncilWorld:
    """An admin creates a council and appoints its members (chair, secretary, members),
    their terms starting `term_start` (a year ago unless given)."""
    term_start = term_start or date.today() - timedelta(days=365)
    admin_headers = admin_headers or admin(settings)
    created = await client.post(
        "/api/v1/councils",
        json={
            "name": name,
            "level": "region",
            "region": region,
            "attached_to": "Akimat of Almaty",
            **options,
        },
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    world = CouncilWorld(client, settings, created.json()["id"], region)
    for username in members:
        full = f"{prefix}{username}"
        role = username if username in ("chair", "secretary") else "member"
        appointed = await client.post(
            f"/api/v1/councils/{world.id}/members",
            json={
                "username": full,
                "full_name": f"{full.title()} Member",
                "role": role,
                "represents": "Ethnocultural association",
                "term_start": term_start.isoformat(),
            },
            headers=admin_headers,
        )
        assert appointed.status_code == 201, appointed.text
        world.usernames.append(full)
    return world


async def drained(client: httpx.AsyncClient, timeout: float = 20) -> None:
    """Wait until the service's relay has published every outbox row."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    outbox = ctx.tables.outbox
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with ctx.engine.connect() as conn:
            pending = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
        if pending == 0:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{pending} outbox rows still unsent")
        await asyncio.sleep(0.05)


async def stream_events(nats_url: str, subject: str) -> list[dict[str, Any]]:
    """Every CloudEvent on the COUNCILS stream under `subject`, read from JetStream itself."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, stream="COUNCILS")
        events: list[dict[str, Any]] = []
        while True:
            try:
                batch = await sub.fetch(100, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            for msg in batch:
                events.append(json.loads(msg.data))
                await msg.ack()
        await sub.unsubscribe()
        return events
    finally:
        await nc.close()


def audit_entries(client: httpx.AsyncClient, action: str) -> list[Any]:
    """The audit log entries of one action, oldest first."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    log = ctx.tables.audit_log
    with ctx.engine.connect() as conn:
        return list(
            conn.execute(select(log).where(log.c.action == action).order_by(log.c.seq)).all()
        )
