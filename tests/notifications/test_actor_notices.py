"""Nobody is told of what they did themselves, and everyone still hears of what others did to
their cases: through the real cases and notifications services, the actor each event carries
is left out of its rules' audiences, in the inbox and by e-mail."""

from __future__ import annotations

from sqlmodel import Session, col, create_engine, select

from services.notifications.models import EmailMessage
from tests.cases.support import coordinator, mediator, post, register
from tests.notifications.conftest import eventually
from tests.notifications.people_support import announce, in_directory
from tests.notifications.test_case_notices import BREACHED, _settled, _told
from tests.support.services import bearer, running

REGISTERED, ASSIGNED = "cases.case.registered", "cases.case.assigned"
ESCALATED = "cases.case.escalated"
ESCALATION = {
    "reason": "Leaflets calling for violence against one community were found",
    "risk_of": "interethnic",
    "risk_level": "high",
    "summary": "Leaflets inciting ethnic hatred in a residential block",
}


def _mail_subjects(settings, username: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The e-mails queued for a person (written with their notices, sent or not)."""
    engine = create_engine(settings.database_url("notifications"))
    try:
        with Session(engine) as session:
            rows = session.exec(select(EmailMessage).where(col(EmailMessage.username) == username))
            return [row.subject for row in rows]
    finally:
        engine.dispose()


async def test_nobody_is_told_of_what_they_did_but_everyone_of_what_others_did(settings, smtp):
    _, port = smtp
    live = settings.model_copy(update={"smtp_port": port})
    async with (
        running("notifications", live) as notifications,
        running("cases", live) as cases,
    ):
        own = await register(cases, coordinator(live))  # coord-almaty registers one himself
        case, obligation = await _settled(cases, live)  # med-aigerim's, assigned by coord-almaty
        for name, role in (("coord-almaty", "coordinator"), ("coord-aliya", "coordinator")):
            await announce(live, name, roles=[role], regions=["KZ-75"], lang="en")
            await eventually(lambda name=name: in_directory(live, name), what=f"{name} known")
        # coord-almaty escalates the case; its mediator records the breach of the settlement.
        await post(cases, case["id"], "escalations", coordinator(live), ESCALATION, 201)
        url = f"obligations/{obligation['id']}/breached"
        await post(cases, case["id"], url, mediator(live), {"note": "Loud party reported"})

        def reader(sub: str, role: str) -> dict[str, str]:
            return bearer(live, "notifications", sub=sub, roles=[role], regions=["KZ-75"])

        actor, colleague = (
            reader("coord-almaty", "coordinator"),
            reader("coord-aliya", "coordinator"),
        )
        med = reader("med-aigerim", "mediator")

        async def refs(headers, topic, n):  # type: ignore[no-untyped-def]
            found = [i["refs"]["case_ref"] for i in await _told(notifications, headers, topic)]
            return sorted(found) if len(found) >= n else None

        # The colleague hears of both registrations and of the escalation ...
        both = await eventually(lambda: refs(colleague, REGISTERED, 2), what="both registrations")
        assert both == sorted([own["id"], case["id"]])
        await eventually(lambda: refs(colleague, ESCALATED, 1), what="the escalation")
        # ... the coordinator who registered one and escalated it of neither, in-app or by mail,
        # and still of the registration by the mediator and of her breach.
        assert await refs(actor, REGISTERED, 0) == [case["id"]]
        assert await refs(actor, ESCALATED, 0) == []
        assert await eventually(lambda: refs(actor, BREACHED, 1), what="the breach") == [case["id"]]
        subjects = await eventually(
            lambda: (s := _mail_subjects(live, "coord-almaty")) and s, what="the breach's e-mail"
        )
        assert not [s for s in subjects if "law enforcement" in s], subjects
        assert [s for s in _mail_subjects(live, "coord-aliya") if "law enforcement" in s]
        # The mediator hears of the assignment (the coordinator's), not of her own breach.
        assert await refs(med, ASSIGNED, 0) == [case["id"]]
        assert await refs(med, BREACHED, 0) == []
