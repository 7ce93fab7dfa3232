"""Demo data through the public API, as an admin would enter it: one user per role, one council.

`kelisim up --demo` calls `seed_demo` once the gateway is up (in a short-lived child,
`kelisim demo-data`). Then the demo users put the world to work (gateway/demo_world.py:
cases in every state, a held session, published minutes, recommendations). It is idempotent
(a second run changes nothing) and refuses to run when KELISIM_ENV=production.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
import random
from datetime import UTC, date, datetime
from typing import Any

import httpx

from gateway.demo_world import World, build_world
from kelisim.regions import REGIONS
from kelisim.settings import Settings

DEMO_PASSWORD = "demo"
ASSESSMENT_WAIT = 600.0  # seconds: the first early-warning round is slow on a loaded machine
DEMO_REGION = "KZ-75"
DEMO_ROLES = (
    "coordinator",
    "mediator",
    "council_secretary",
    "council_member",
    "liaison",
    "analyst",
)
# The demo's people: username -> role (one per role, and the council's chair).
DEMO_USERS = {**{role: role for role in DEMO_ROLES}, "council_chair": "council_member"}
DEMO_REGIONS = ("KZ-71", "KZ-75")  # Astana and Almaty, for those who work in the regions
REGIONAL = ("coordinator", "mediator", "liaison")
COUNCIL_ROLES = ("council_secretary", "council_member")
# The demo council's chair, secretary and member also sit on it, as the councils service records.
SEATS = {"council_chair": "chair", "council_secretary": "secretary", "council_member": "member"}
DEMO_COUNCIL = {
    "name": "Алматы қаласының Қоғамдық келісім кеңесі (демо)",
    "level": "region",
    "region": DEMO_REGION,
}


class DemoRefused(RuntimeError):
    """Demo data is never written into a production system."""


def demo_address(username: str) -> str:
    """A demo user's e-mail address (a reserved domain: the development mail sink keeps it)."""
    return f"{username.replace('_', '.')}@kelisim.example"


def _check(answer: httpx.Response, *expected: int) -> Any:
    if answer.status_code not in expected:
        raise RuntimeError(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}"
        )
    return answer.json() if answer.content else None


async def seed_demo(
    gateway_url: str,
    admin_username: str,
    admin_password: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Create the demo users (password `demo`, region KZ-75) and a demo council, once."""
    if Settings().env == "production":
        raise DemoRefused("demo data is refused when KELISIM_ENV=production")
    async with httpx.AsyncClient(base_url=gateway_url, transport=transport, timeout=30) as http:
        token = _check(
            await http.post(
                "/api/v1/auth/token", data={"username": admin_username, "password": admin_password}
            ),
            200,
        )
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        existing = {}
        for username in DEMO_USERS:
            page = _check(await http.get("/api/v1/users", params={"username": username}), 200)
            if page["items"]:
                existing[username] = page["items"][0]
        council_id = next(
            (
                u["councils"][0]
                for name, u in existing.items()
                if DEMO_USERS[name] in COUNCIL_ROLES and u["councils"]
            ),
            None,
        )
        if council_id is None:
            council = _check(
                await http.post(
                    "/api/v1/councils",
                    json=DEMO_COUNCIL,
                    headers={"Idempotency-Key": "kelisim-demo-council"},
                ),
                200,
                201,
            )
            council_id = council["id"]
        for username, role in DEMO_USERS.items():
            regions = list(DEMO_REGIONS) if role in REGIONAL else [DEMO_REGION]
            wanted = {
                "roles": [role],
                # the demo analyst is a national one: all twenty regions
                "regions": sorted(REGIONS) if role == "analyst" else regions,
                "councils": [council_id] if role in COUNCIL_ROLES else [],
            }
            user = existing.get(username)
            if user is None:
                body = {
                    "username": username,
                    "password": DEMO_PASSWORD,
                    "full_name": f"Demo {username.replace('_', ' ')}",
                    "lang": "kk",
                    "email": demo_address(username),
                    **wanted,
                }
                _check(await http.post("/api/v1/users", json=body), 201)
                continue
            change = {k: v for k, v in wanted.items() if sorted(user[k]) != sorted(v)}
            if not user["active"]:
                change["active"] = True
            if user.get("email") != demo_address(username):
                change["email"] = demo_address(username)
            if change:
                _check(await http.patch(f"/api/v1/users/{user['id']}", json=change), 200)
        await _seat_members(http, council_id)
    async with httpx.AsyncClient(base_url=gateway_url, transport=transport, timeout=60) as http:
        world = World(http, password=DEMO_PASSWORD)  # each user logs in at their first request
        await build_world(world, council_id)
        if "analyst" not in world.tokens:  # a restart over a complete world
            await world.login("analyst", DEMO_PASSWORD)
        analyst = world.tokens["analyst"]
    await _seed_history(gateway_url, transport, analyst)


async def _seat_members(http: httpx.AsyncClient, council_id: str) -> None:
    """Appoint the demo secretary and member to the council, unless they sit on it already."""
    members = _check(await http.get(f"/api/v1/councils/{council_id}/members"), 200)["items"]
    seated = {m["username"] for m in members}
    for username, seat in SEATS.items():
        if username in seated:
            continue
        body = {
            "username": username,
            "full_name": f"Demo {username.replace('_', ' ')}",
            "role": seat,
            # Seated since the start of last year: the demo's sessions two weeks back (and
            # their minutes) count them as members then, not only from today.
            "term_start": date(datetime.now(UTC).year - 1, 1, 1).isoformat(),
        }
        _check(await http.post(f"/api/v1/councils/{council_id}/members", json=body), 201)


CATEGORIES = ("interethnic", "interfaith", "community", "family", "labour", "land", "neighbour")
SURGE = ("KZ-75", "land")


def history_csv(today: date, seed: int = 2026) -> bytes:
    """Three years of synthetic monthly counts before this month, with a surge last month.

    Seasonal (more in spring and autumn), region-sized, fixed seed: the same every time, so
    a second upload changes nothing. Almaty's land disputes jump last month, so the demo
    shows one early-warning alert; that series is large enough that no month of it is hidden
    for its own small count (secondary suppression may still hide one, and then the alert
    withholds its expected count, as every alert on a hidden baseline month does).
    """
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["region", "category", "month", "count"])
    first = date(today.year - 3, today.month, 1)
    last = _month_before(today)
    for region in sorted(REGIONS):
        size = rng.uniform(2, 9)
        for category in CATEGORIES:
            share = rng.uniform(0.4, 1.2)
            month = first
            while month <= last:
                season = 1 + 0.35 * math.sin(2 * math.pi * (month.month - 3) / 6)
                mean = size * share * season
                if (region, category) == SURGE:
                    mean = max(mean, 14.0)
                count = sum(1 for _ in range(int(mean * 4)) if rng.random() < 0.25)
                if (region, category) == SURGE and month == last:
                    count = int(mean * 4) + 12
                writer.writerow([region, category, f"{month:%Y-%m}", count])
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out.getvalue().encode()


def _month_before(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


async def _seed_history(
    gateway_url: str, transport: httpx.AsyncBaseTransport | None, token: str
) -> None:
    """As the demo analyst (`token`): import the synthetic history, run the early-warning round."""
    async with httpx.AsyncClient(base_url=gateway_url, transport=transport, timeout=120) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        content = history_csv(datetime.now(UTC).date())
        _check(
            await http.post(
                "/api/v1/analytics/history",
                content=content,
                headers={"Content-Type": "text/csv"},
            ),
            200,
        )
        # A loaded machine may time the round out at the gateway (504) while the service
        # carries it on: retried with the same key, it is done once and the retry gets its answer.
        once = {"Idempotency-Key": "kelisim-demo-assessment"}
        deadline = asyncio.get_running_loop().time() + ASSESSMENT_WAIT
        while True:
            answer = await http.post("/api/v1/analytics/alerts/assessments", headers=once)
            late = asyncio.get_running_loop().time() > deadline
            if answer.status_code not in (409, 504) or late:
                break
            await asyncio.sleep(1)  # 409: the first request is still being answered
        _check(answer, 200)
