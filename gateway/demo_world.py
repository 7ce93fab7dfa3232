"""The demo's working world, entered through the public API by the demo users themselves.

Fourteen cases in every state across Almaty and Astana (one past its term, one settled with
an open obligation, one escalated and accepted by the liaison, one escalated and waiting),
a held council session with a vote, its minutes published and two recommendations (one
past due), and so an inbox item for each role (the liaison's is the escalation feed).
Every write carries a fixed `Idempotency-Key` and a body fixed for the day, so a run cut
short resumes without doing anything twice; once the world is complete (its last
recommendation exists) a restart of `kelisim up --demo` leaves it alone. The services run
the same handlers as for real data.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

ALMATY, ASTANA = "KZ-75", "KZ-71"
WAIT = 60.0  # seconds to wait for an event to reach another service


@dataclass(frozen=True)
class Plan:
    """One demo case: where, what, and the state it is taken to."""

    key: str
    region: str
    category: str
    description: str
    state: str  # registered | assigned | in_mediation | overdue | settled | closed | ...
    escalate: str | None = None  # "acknowledged" | "waiting"


PLANS = (
    Plan("a1", ALMATY, "neighbour", "Көршілер арасындағы ортақ қабырға туралы дау", "registered"),
    Plan("a2", ALMATY, "family", "Спор о порядке общения с ребёнком", "assigned"),
    Plan("a3", ALMATY, "labour", "Задержка заработной платы в цехе", "in_mediation"),
    Plan("a4", ALMATY, "land", "Межевой спор между соседними участками", "overdue"),
    Plan("a5", ALMATY, "community", "Шум от кафе во дворе жилого дома", "settled"),
    Plan("a6", ALMATY, "neighbour", "Протечка с верхнего этажа", "closed"),
    Plan("a7", ALMATY, "labour", "A dispute over unpaid overtime", "not_settled"),
    Plan("a8", ALMATY, "other", "Жалоба на решение акимата", "refused"),
    Plan("a9", ALMATY, "family", "Раздел имущества после развода", "withdrawn"),
    Plan("a10", ALMATY, "interethnic", "Драка молодёжи у рынка", "in_mediation", "acknowledged"),
    Plan("a11", ALMATY, "interfaith", "Спор о месте для молельной комнаты", "assigned", "waiting"),
    Plan("b1", ASTANA, "land", "Спор о границе дачного участка", "registered"),
    Plan("b2", ASTANA, "community", "Парковка во дворе нового дома", "in_mediation"),
    Plan("b3", ASTANA, "neighbour", "Собака без поводка во дворе", "terminated"),
)  # fmt: skip


def _party(plan: Plan, n: int) -> dict[str, Any]:
    names = ("Айгүл Сейтқали", "Бауыржан Омаров", "Ольга Ким", "Ерлан Жумабаев")
    return {
        "kind": "person",
        "name": f"{names[(int(plan.key[1:]) + n) % len(names)]} ({plan.key})",
        "phone": f"+7701{int(plan.key[1:]) * 10 + n:07d}",
        "language": "kk" if n == 0 else "ru",
    }


@dataclass
class World:
    """The demo users' sessions on the gateway; `call` is one keyed, checked request.

    A demo user logs in at their first request (password `demo`), not before: a login costs
    a password hash's verification (about a second on a busy machine), and a restart over a
    complete world needs one user only.
    """

    http: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    password: str = "demo"

    async def login(self, username: str, password: str) -> None:
        answer = await self.http.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        _ok(answer, 200)
        self.tokens[username] = answer.json()["access_token"]

    async def call(
        self, who: str, method: str, path: str, key: str | None = None, **kwargs: Any
    ) -> Any:
        if who not in self.tokens:
            await self.login(who, self.password)
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if key:
            headers["Idempotency-Key"] = f"kelisim-demo-{key}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while True:
            answer = await self.http.request(method, f"/api/v1{path}", headers=headers, **kwargs)
            # A keyed request the service did not answer in time (504), could not be reached
            # for (503) or is still answering (409 request-in-progress) is asked again under
            # its key, as the answer says: it is carried out once and the retry gets the
            # answer. On a busy machine a PDF of minutes can take longer than the proxy waits.
            if key and _retry_under_key(answer) and loop.time() < deadline:
                await asyncio.sleep(_retry_after(answer))
                continue
            return _ok(answer, 200, 201)

    async def until(self, what: str, attempt: Callable[[], Awaitable[Any]]) -> Any:
        """Retry `attempt` (a request that fails until an event arrives) for up to WAIT s."""
        deadline = asyncio.get_running_loop().time() + WAIT
        while True:
            try:
                found = await attempt()
            except DemoStep:
                found = None
            if found:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise DemoStep(f"timed out waiting for {what}")
            await asyncio.sleep(0.25)


class DemoStep(RuntimeError):
    """A demo request was refused (or never came true in time)."""


RETRY_UNDER_KEY = {
    (409, "request-in-progress"),
    (503, "service-unavailable"),
    (504, "service-timeout"),
}


def _retry_under_key(answer: httpx.Response) -> bool:
    """Whether the answer says: the same request, under the same key, may be sent again."""
    if answer.status_code not in {status for status, _ in RETRY_UNDER_KEY}:
        return False
    try:
        kind = str(answer.json().get("type", "")).rsplit(":", 1)[-1]
    except ValueError:
        return False
    return (answer.status_code, kind) in RETRY_UNDER_KEY


def _retry_after(answer: httpx.Response) -> float:
    """Seconds to wait before asking again: Retry-After in seconds, 1 without one, at most 5."""
    try:
        return min(max(float(answer.headers.get("Retry-After", 1)), 0.1), 5.0)
    except ValueError:
        return 1.0


def _ok(answer: httpx.Response, *expected: int) -> Any:
    if answer.status_code not in expected:
        raise DemoStep(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}"
        )
    return answer.json() if answer.content else None


def _today() -> date:
    return datetime.now(UTC).date()


async def build_world(world: World, council_id: str) -> bool:
    """Every case of PLANS in its state, then the council's session, minutes, recommendations.

    False when the world was complete already (nothing done).
    """
    made = await world.call("council_secretary", "GET", f"/councils/{council_id}/recommendations")
    if len(made["items"]) >= 2:
        return False
    for plan in PLANS:
        await _case(world, plan)
    await _council(world, council_id)
    return True


async def _case(world: World, plan: Plan) -> None:
    today = _today()
    signed = today - timedelta(days=45) if plan.state == "overdue" else today
    body = {
        "region": plan.region,
        "category": plan.category,
        "channel": "walk_in",
        "description": plan.description,
        "parties": [_party(plan, 0), _party(plan, 1)],
    }
    case = await world.call("coordinator", "POST", "/cases", f"{plan.key}-register", json=body)
    path, key = f"/cases/{case['id']}", plan.key

    async def step(who: str, action: str, payload: Any = None) -> Any:
        return await world.call(who, "POST", f"{path}/{action}", f"{key}-{action}", json=payload)

    if plan.state == "refused":
        note = "Обжалование решений госорганов не подлежит медиации."
        await step("coordinator", "refusal", {"reason": "state_body", "note": note})
    if plan.state not in ("registered", "refused"):
        assignment = {"mediator": "mediator"}
        # the cases service learns of the demo mediator from the gateway's identity events
        await world.until(
            "the cases service to know the mediator",
            lambda: step("coordinator", "assignment", assignment),
        )
        case = await step("mediator", "declaration", {"conflict": False})
    if plan.state in ("assigned", "withdrawn", "refused", "registered"):
        if plan.state == "withdrawn":
            await _consents(world, path, key, case, signed)
            leaving = {"party_id": case["parties"][1]["id"], "reason": "Договорились сами."}
            await step("mediator", "withdrawal", leaving)
    else:
        await _consents(world, path, key, case, signed)
        await step("mediator", "agreement", {"signed_on": signed.isoformat()})
        when = datetime.combine(today + timedelta(days=2), time(10), UTC)
        session = {"scheduled_at": when.isoformat(), "place": "Дом дружбы, каб. 12"}
        await step("mediator", "sessions", session)
        await _outcome(world, plan, path, case, step)
    if plan.escalate:
        await _escalate(world, plan, path)


async def _consents(world: World, path: str, key: str, case: dict[str, Any], on: Any) -> None:
    for n, party in enumerate(case["parties"]):
        consent = {"party_id": party["id"], "form": "written", "given_on": on.isoformat()}
        await world.call("mediator", "POST", f"{path}/consents", f"{key}-consent-{n}", json=consent)


async def _outcome(world: World, plan: Plan, path: str, case: dict[str, Any], step: Any) -> None:
    today = _today()
    if plan.state in ("settled", "closed"):
        text = "Стороны договорились о порядке и сроках."
        settlement = {
            "terms": text,
            "signed_on": today.isoformat(),
            "signatures": [
                {"party_id": p["id"], "signed_on": today.isoformat()} for p in case["parties"]
            ],
            "document_base64": base64.b64encode(text.encode()).decode(),
            "obligations": [
                {"description": "Ремонт за общий счёт", "due_on": str(today + timedelta(days=20))}
            ],
        }  # fmt: skip
        await step("mediator", "settlement", settlement)
        if plan.state == "closed":
            obligations = (await world.call("mediator", "GET", f"{path}/obligations"))["items"]
            done = f"{plan.key}-fulfilled"
            await world.call(
                "mediator", "POST", f"{path}/obligations/{obligations[0]['id']}/fulfilled", done
            )
    elif plan.state == "not_settled":
        await step("mediator", "not-settled", {"reason": "Стороны не пришли к согласию."})
    elif plan.state == "terminated":
        await step("mediator", "termination", {"reason": "Сторона перестала являться на встречи."})


async def _escalate(world: World, plan: Plan, path: str) -> None:
    risk = "interethnic" if plan.category == "interethnic" else "interfaith"
    body = {
        "reason": "Есть риск повторного столкновения.",
        "risk_of": risk,
        "risk_level": "high" if plan.escalate == "acknowledged" else "medium",
        "summary": "Напряжённость между группами жителей района.",
    }
    escalation = await world.call(
        "coordinator", "POST", f"{path}/escalations", f"{plan.key}-escalate", json=body
    )
    if plan.escalate != "acknowledged":
        return
    ack = f"/notifications/feed/{escalation['id']}/ack"
    # the feed holds the escalation once the notifications service has consumed its event
    await world.until(
        "the escalation to reach the liaison's feed",
        lambda: world.call("liaison", "POST", ack, f"{plan.key}-ack"),
    )


async def _council(world: World, council_id: str) -> None:
    """A session planned, convened, held with a vote; its minutes published; recommendations."""
    sec = "council_secretary"
    # Held two weeks ago: its overdue recommendation fell due after it, ten days ago.
    starts = datetime.combine(_today() - timedelta(days=14), time(10), UTC)
    session = await world.call(
        sec, "POST", f"/councils/{council_id}/sessions", "council-session",
        json={"title": "Межэтническое согласие в микрорайонах", "starts_at": starts.isoformat(),
              "place": "Дом дружбы, Алматы"},
    )  # fmt: skip
    sid = session["id"]
    item = await world.call(
        sec, "POST", f"/councils/sessions/{sid}/items", "council-item",
        json={"titles": {"kk": "Жастар арасындағы келісім", "ru": "Согласие среди молодёжи",
                         "en": "Accord among the young"},
              "proposal": {"ru": "Рекомендовать акимату открыть молодёжный центр"},
              "rapporteur": "А. Сейтқали"},
    )  # fmt: skip
    await world.call(sec, "POST", f"/councils/sessions/{sid}/convene", "council-convene")
    members = (await world.call(sec, "GET", f"/councils/{council_id}/members"))["items"]
    marks = [{"username": m["username"], "present": True} for m in members]
    await world.call(
        sec, "PUT", f"/councils/sessions/{sid}/attendance", "council-attendance",
        json={"marks": marks},
    )  # fmt: skip
    await world.call(sec, "POST", f"/councils/sessions/{sid}/hold", "council-hold")
    iid = item["id"]
    await world.call(sec, "POST", f"/councils/items/{iid}/vote/open", "council-vote-open")
    for who in ("council_chair", sec, "council_member"):
        vote = {"choice": "for"}
        await world.call(who, "POST", f"/councils/items/{iid}/votes", f"vote-{who}", json=vote)
    await world.call(sec, "POST", f"/councils/items/{iid}/vote/close", "council-vote-close")
    # Recommendations before the minutes are drafted, so the signed minutes print them.
    today = _today()
    for key, due, text in (
        ("overdue", today - timedelta(days=10), "Открыть молодёжный центр в микрорайоне Шанырак."),
        ("open", today + timedelta(days=60), "Провести неделю языков в школах района."),
    ):
        body = {"addressee": "Акимат города Алматы", "text": text,
                "responsible": "Заместитель акима", "due_date": str(due)}  # fmt: skip
        await world.call(
            sec,
            "POST",
            f"/councils/items/{iid}/recommendations",
            f"recommendation-{key}",
            json=body,
        )
    await world.call(sec, "POST", f"/councils/sessions/{sid}/close", "council-close")
    protocol = await world.call(sec, "POST", f"/councils/sessions/{sid}/protocol", "protocol")
    pid = f"/councils/protocols/{protocol['id']}"
    for who, action in ((sec, "circulate"), (sec, "approve"), ("council_chair", "sign"),
                        (sec, "sign"), (sec, "publish")):  # fmt: skip
        await world.call(who, "POST", f"{pid}/{action}", f"protocol-{action}-{who}")
