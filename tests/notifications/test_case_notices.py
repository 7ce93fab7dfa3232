"""Notices of a case's follow-up, through the real cases and notifications services: a breached
obligation reaches the case's mediator and the region's coordinators, who decide on reopening;
the liaison's acceptance of an escalation reaches them too, without naming the liaison."""

from __future__ import annotations

from kelisim import localtime
from kelisim.events.cases import ObligationBreached
from services.notifications.messages import title_and_body
from tests.cases.support import BASE, coordinator, mediator, post, to_mediation, today
from tests.notifications.conftest import eventually
from tests.notifications.people_support import announce, in_directory
from tests.support.checks import items_of
from tests.support.services import bearer, running

BREACHED = "cases.obligation.breached"
ACCEPTED = "notifications.escalation.acknowledged"


async def _told(notifications, headers, topic: str = BREACHED) -> list[dict]:  # type: ignore[no-untyped-def]
    inbox = (await notifications.get("/api/v1/notifications/inbox", headers=headers)).json()
    return [i for i in inbox["items"] if i["topic"] == topic]


async def _settled(cases, settings) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """A case of med-aigerim's settled with one obligation due today: the case, the obligation."""
    case = await to_mediation(cases, settings)
    a, b = (p["id"] for p in case["parties"])
    await post(
        cases,
        case["id"],
        "settlement",
        mediator(settings),
        {
            "terms": "Quiet hours after 22:00",
            "signed_on": str(today()),
            "signatures": [
                {"party_id": a, "signed_on": str(today())},
                {"party_id": b, "signed_on": str(today())},
            ],
            "document_text": "Settlement agreement, signed by both parties",
            "obligations": [{"description": "Quiet after 22:00", "due_on": str(today())}],
        },
    )
    url = f"{BASE}/{case['id']}/obligations"
    [obligation] = items_of(await cases.get(url, headers=mediator(settings)))
    return case, obligation


async def test_a_breached_obligation_tells_the_mediator_and_the_coordinators(settings, smtp):
    mailbox, port = smtp
    live = settings.model_copy(update={"smtp_port": port})
    async with (
        running("notifications", live) as notifications,
        running("cases", live) as cases,
    ):
        case, obligation = await _settled(cases, live)
        await announce(live, "med-aigerim", roles=["mediator"], regions=["KZ-75"], lang="kk")
        await eventually(lambda: in_directory(live, "med-aigerim"), what="the mediator's address")
        # The coordinator who reviews the follow-up records the breach.
        await post(
            cases,
            case["id"],
            f"obligations/{obligation['id']}/breached",
            coordinator(live),
            {"note": "Loud party reported"},
        )

        def reader(sub: str, role: str, lang: str) -> dict[str, str]:
            return bearer(
                live, "notifications", sub=sub, roles=[role], regions=["KZ-75"], lang=lang
            )

        med = reader("med-aigerim", "mediator", "kk")
        colleague = reader("coord-aliya", "coordinator", "ru")
        stranger = reader("med-bolat", "mediator", "en")
        number = case["number"]
        [kk] = await eventually(lambda: _told(notifications, med), what="the mediator's notice")
        assert kk["title"] == f"{number} іс: келісім міндеттемесі бұзылды"
        assert localtime.humane(str(today()), "kk") in kk["body"]
        assert kk["refs"]["case_ref"] == case["id"]
        [ru] = await eventually(
            lambda: _told(notifications, colleague), what="the coordinators' notice"
        )
        assert ru["title"] == f"Дело {number}: обязательство нарушено"
        assert localtime.humane(str(today()), "ru") in ru["body"]
        assert "возобновлении дела принимает координатор" in ru["body"]
        assert ru["refs"]["case_ref"] == case["id"]
        assert await _told(notifications, stranger) == []  # not their case
        [mail] = await eventually(
            lambda: mailbox.to("med-aigerim@example.kz"), what="the mediator's e-mail"
        )
        assert mail["Subject"] == kk["title"]


async def test_the_liaisons_acceptance_tells_the_coordinators_and_the_mediator(settings, smtp):
    mailbox, port = smtp
    live = settings.model_copy(update={"smtp_port": port})
    async with (
        running("notifications", live) as notifications,
        running("cases", live) as cases,
    ):
        case = await to_mediation(cases, live)  # med-aigerim's
        await announce(live, "coord-aliya", roles=["coordinator"], regions=["KZ-75"], lang="ru")
        await eventually(lambda: in_directory(live, "coord-aliya"), what="the coordinator known")
        escalated = await post(
            cases,
            case["id"],
            "escalations",
            coordinator(live),
            {
                "reason": "Leaflets calling for violence against one community were found",
                "risk_of": "interethnic",
                "risk_level": "high",
                "summary": "Leaflets inciting ethnic hatred in a residential block",
            },
            201,
        )
        escalation_id = escalated["id"]
        police = bearer(
            live, "notifications", sub="police-75", roles=["liaison"], regions=["KZ-75"]
        )
        url = f"/api/v1/notifications/feed/{escalation_id}/ack"

        async def accepted() -> dict | None:
            answer = await notifications.post(url, headers=police)
            return answer.json() if answer.status_code == 200 else None

        row = await eventually(accepted, what="the escalation accepted by the liaison")

        def reader(sub: str, role: str, lang: str, region: str = "KZ-75") -> dict[str, str]:
            return bearer(live, "notifications", sub=sub, roles=[role], regions=[region], lang=lang)

        when = row["acknowledged_at"]
        [ru] = await eventually(
            lambda: _told(notifications, reader("coord-aliya", "coordinator", "ru"), ACCEPTED),
            what="the coordinators' notice",
        )
        assert ru["title"] == "Информирование принято: город Алматы"
        assert f"по делу {case['number']}" in ru["body"]
        assert localtime.humane(when, "ru") in ru["body"]
        assert ru["refs"]["case_ref"] == case["id"]
        [kk] = await eventually(
            lambda: _told(notifications, reader("med-aigerim", "mediator", "kk"), ACCEPTED),
            what="the mediator's notice",
        )
        assert kk["title"] == "Хабарлау қабылданды: Алматы қаласы"
        assert localtime.humane(when, "kk") in kk["body"]
        assert kk["refs"]["case_ref"] == case["id"]
        for notice in (ru, kk):
            assert "police-75" not in str(notice)  # the liaison stays unnamed
        await eventually(
            lambda: [
                m for m in mailbox.to("coord-aliya@example.kz") if m["Subject"] == ru["title"]
            ],
            what="the coordinator's e-mail",
        )
        for stranger in (
            reader("med-bolat", "mediator", "en"),
            reader("coord-astana", "coordinator", "en", "KZ-71"),
        ):
            assert await _told(notifications, stranger, ACCEPTED) == []


def test_a_breach_stored_before_it_named_the_case_still_reads_and_says_so() -> None:
    stored = {"case_ref": "c1", "obligation_ref": "o1", "region": "KZ-75", "due_on": "2026-11-30"}
    data = ObligationBreached.model_validate(stored)
    assert (data.number, data.mediator) == (None, None)
    title, body = title_and_body(BREACHED, "ru", data.model_dump(mode="json"))
    assert title == "Обязательство нарушено"
    assert "30 ноября 2026" in body
