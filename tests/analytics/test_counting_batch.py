"""Events applied together in one transaction count as they would one by one: an event finds
the fact an earlier one in the batch added, a repeated one changes nothing, and the batch's
facts are written once, at its commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from nats.aio.msg import Msg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kelisim.bus.consumer import Consumer, ConsumerSpec, Ready
from kelisim.db import make_engine, new_session
from kelisim.events import Envelope, EventData
from kelisim.events import cases as ce
from kelisim.events import councils as co
from services.analytics.handlers.facts import Counting
from services.analytics.measures import NOW, Calendar
from services.analytics.models import (
    CaseFact,
    Counter,
    EscalationFact,
    RecommendationFact,
    backbone,
)
from tests.support.db import fresh_database, migrated

ESCALATED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """The analytics database: SQLite, or PostgreSQL where TEST_DATABASE_URL names one."""
    with fresh_database(tmp_path, "analytics") as url:
        migrated("analytics", url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def consumer(engine: Engine, stream: str) -> Consumer:
    """The analytics consumer of `stream`, applying batches without a connection to NATS."""
    handlers = Counting(Calendar()).handlers()[stream]
    spec = ConsumerSpec(stream, handlers)
    return Consumer(engine, backbone, None, service="analytics", spec=spec)  # type: ignore[arg-type]


def ready(c: Consumer, envelope: Envelope) -> Ready:
    """An event as the consumer reads it from a delivered message."""
    msg = Msg(None, subject=envelope.nats_subject, reply="ack", headers={})  # type: ignore[arg-type]
    handler = c.spec.handlers[envelope.nats_subject]
    return Ready(msg, envelope, envelope.payload(), handler)


def wrap(data: EventData) -> Envelope:
    return Envelope.wrap(data, source="/kelisim/tests", subject="c-1")


@contextmanager
def flushes() -> Iterator[list[Session]]:
    """The sessions' flushes while it lasts, one entry each."""
    seen: list[Session] = []

    def flushed(session: Session, *_: object) -> None:
        seen.append(session)

    event.listen(Session, "before_flush", flushed)
    try:
        yield seen
    finally:
        event.remove(Session, "before_flush", flushed)


def counted(engine: Engine, measure: str, period: str | None = None) -> float:
    """A counter's value in the republic (every region), summed over dimensions."""
    with new_session(engine) as db:
        query = select(Counter.value).where(Counter.measure == measure)
        if period is not None:
            query = query.where(Counter.period == period)
        values = db.exec(query).all()
    return float(sum(values))


def test_a_batch_finds_the_facts_it_added_and_repeats_change_nothing(engine: Engine) -> None:
    cases = consumer(engine, "CASES")
    registered = wrap(ce.CaseRegistered(case_ref="c-1", number="7", region="ALA", category="land"))
    escalated = wrap(
        ce.CaseEscalated(
            escalation_id="esc-1",
            case_ref="c-1",
            region="ALA",
            category="land",
            risk_level="high",
            summary="a dispute over water",
            escalated_at=ESCALATED_AT,
        )
    )
    batch = [
        registered,
        wrap(ce.CaseAssigned(case_ref="c-1", number="7", region="ALA", mediator="m")),
        wrap(
            ce.MediationAgreementSigned(
                case_ref="c-1",
                number="7",
                region="ALA",
                mediator="m",
                signed_on=date(2026, 3, 1),
                deadline=date(2100, 4, 1),
            )
        ),
        escalated,
        # the same facts told again, under new event ids (the inbox does not know them)
        wrap(ce.CaseRegistered(case_ref="c-1", number="7", region="ALA", category="land")),
        wrap(escalated.payload()),
        wrap(
            ce.CaseExtended(
                case_ref="c-1", number="7", region="ALA", mediator="m", deadline=date(2100, 5, 1)
            )
        ),
        registered,  # and one delivered twice in the batch
    ]
    with flushes() as flushed:
        applied = cases._apply_batch([ready(cases, e) for e in batch])
    assert applied == [True] * 7 + [False]
    # Written once, at the commit: no flush per event to find what the one before added.
    assert len(flushed) == 1
    with new_session(engine) as db:
        fact = db.get(CaseFact, "c-1")
        escalation = db.get(EscalationFact, "esc-1")
        assert len(db.exec(select(CaseFact)).all()) == 1
        assert len(db.exec(select(EscalationFact)).all()) == 1
    assert fact is not None and escalation is not None
    assert (fact.region, fact.category) == ("ALA", "land")
    assert fact.deadline == date(2100, 5, 1) and fact.extended and fact.in_mediation
    assert (escalation.region, escalation.risk_level) == ("ALA", "high")
    assert escalation.escalated_at == ESCALATED_AT and escalation.accepted_at is None
    year = Calendar().periods(registered.time)[2]
    assert counted(engine, "cases.registered", year) == 1
    assert counted(engine, "cases.assigned", year) == 1
    assert counted(engine, "cases.agreement_signed", year) == 1
    assert counted(engine, "cases.extended", year) == 1
    assert counted(engine, "cases.in_mediation", NOW) == 1
    assert counted(engine, "escalations.raised", year) == 1

    # The next batch finds the stored facts: the case ends, a replay of it changes nothing.
    settled = wrap(
        ce.CaseSettled(
            case_ref="c-1",
            number="7",
            region="ALA",
            category="land",
            mediator="m",
            obligations=1,
            document_sha256="0" * 64,
        )
    )
    again = wrap(ce.CaseRegistered(case_ref="c-1", number="7", region="ALA", category="land"))
    assert cases._apply_batch([ready(cases, e) for e in (again, settled)]) == [True, True]
    with new_session(engine) as db:
        fact = db.get(CaseFact, "c-1")
    assert fact is not None and not fact.in_mediation and fact.deadline == date(2100, 5, 1)
    assert counted(engine, "cases.registered", year) == 1
    assert counted(engine, "cases.settled", year) == 1
    assert counted(engine, "cases.ended_in_term", year) == 1
    assert counted(engine, "cases.in_mediation", NOW) == 0


def test_a_recommendation_issued_and_answered_in_one_batch_is_counted_once(engine: Engine) -> None:
    councils = consumer(engine, "COUNCILS")
    issued = co.RecommendationIssued(
        council_id="k-1",
        recommendation_id="rec-1",
        region="ALA",
        addressee="akimat of Almaty",
        due_date=date(2100, 1, 1),
    )
    answer = {"council_id": "k-1", "recommendation_id": "rec-1", "region": "ALA"}
    batch = [
        wrap(issued),
        wrap(co.RecommendationResponded(**answer, status="in_progress")),
        wrap(issued),
        wrap(co.RecommendationImplemented(**answer, status="implemented")),
        wrap(co.RecommendationResponded(**answer, status="implemented")),
    ]
    with flushes() as flushed:
        applied = councils._apply_batch([ready(councils, e) for e in batch])
    assert applied == [True] * 5 and len(flushed) == 1
    with new_session(engine) as db:
        facts = db.exec(select(RecommendationFact)).all()
    assert [(f.recommendation_id, f.answered, f.implemented, f.overdue) for f in facts] == [
        ("rec-1", True, True, False)
    ]
    year = Calendar().periods(batch[0].time)[2]
    assert counted(engine, "recommendations.issued", year) == 1
    assert counted(engine, "recommendations.answered", year) == 1
    assert counted(engine, "recommendations.implemented_on_time", year) == 1
