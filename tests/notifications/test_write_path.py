"""An escalation's rows are written by Core, with no ORM flush; a lane round's attempts
reach the database in one flush.

The handlers read everything first (the endpoints, the rules, the people they e-mail, the
names the notices give; the round's deliveries and endpoints) and write after, so no read
between two writes flushes the rows written before it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kelisim.bus import inbox
from kelisim.db import make_engine, new_session
from kelisim.events import Envelope
from kelisim.events.cases import CaseEscalated
from kelisim.uow import UnitOfWork
from services.notifications.handlers.deliveries import (
    RecordAttempt,
    RecordAttempts,
    record_attempts,
)
from services.notifications.handlers.escalations import on_case_escalated
from services.notifications.lifecycle import RetryPolicy
from services.notifications.models import (
    Delivery,
    DeliveryAttempt,
    EmailMessage,
    Escalation,
    LiaisonEndpoint,
    Notification,
    Recipient,
    backbone,
)
from tests.support.db import fresh_database, migrated

CONSUMER = "notifications<-CASES"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with fresh_database(tmp_path, "notifications") as url:
        migrated("notifications", url)
        engine = make_engine(url)
        with new_session(engine) as db:
            for region in ("KZ-75", "KZ-75", "KZ-71"):
                db.add(LiaisonEndpoint(region=region, url="https://police.example.kz/hook"))
            for n, lang in enumerate(("kk", "ru", "kk")):
                db.add(
                    Recipient(
                        username=f"coord{n}",
                        user_id=f"u{n}",
                        email=f"coord{n}@example.kz",
                        lang=lang,
                        roles='["coordinator"]',
                        regions='["KZ-75"]',
                    )
                )
            db.commit()
        yield engine
        engine.dispose()


def escalated(n: int, mediator: str | None = None) -> tuple[Envelope, CaseEscalated]:
    data = CaseEscalated(
        escalation_id=uuid.uuid4().hex,
        case_ref=uuid.uuid4().hex,
        region="KZ-75",
        category="land",
        risk_level="high",
        summary=f"A dispute over irrigation water, number {n}",
        escalated_at=datetime.now(UTC),
        case_id=uuid.uuid4().hex if mediator else None,
        mediator=mediator,
    )
    return Envelope.wrap(data, source="/kelisim/cases", subject=f"case:{n}"), data


def counting_flushes(session: Session) -> list[int]:
    """How many objects each flush of the session wrote."""
    flushed: list[int] = []

    def before(db: Session, *_: object) -> None:
        flushed.append(len(db.new) + len(db.dirty))

    event.listen(session, "before_flush", before)
    return flushed


def test_a_batch_of_escalations_is_written_without_a_flush(engine: Engine) -> None:
    events = [escalated(n) for n in range(3)]
    with UnitOfWork(engine, backbone, source="/kelisim/notifications") as uow:
        flushed = counting_flushes(uow.session)
        for envelope, data in events:
            on_case_escalated(envelope, data, uow)
            inbox.mark_applied(uow.conn, backbone.inbox, CONSUMER, envelope)
        uow.commit()
    assert flushed == []  # every row by Core, none through the ORM's flush
    with new_session(engine) as db:
        assert len(db.exec(select(Escalation)).all()) == 3
        assert len(db.exec(select(Delivery)).all()) == 3 * 2  # two endpoints in KZ-75
        notes = db.exec(select(Notification)).all()
        emails = db.exec(select(EmailMessage)).all()
    assert len(notes) == 3 and len(emails) == 3 * 3
    by_lang = {(e.notification_id, e.lang): (e.subject, e.body) for e in emails}
    for note in notes:  # rendered once per language, and each language in its own words
        assert by_lang[(note.id, "kk")] != by_lang[(note.id, "ru")]
    assert {e.username for e in emails} == {"coord0", "coord1", "coord2"}


def test_an_escalation_naming_its_mediator_reads_the_name_before_writing(engine: Engine) -> None:
    with new_session(engine) as db:
        db.add(Recipient(username="med1", user_id="m1", full_name="Aigerim Sapar"))
        db.commit()
    envelope, data = escalated(0, mediator="med1")
    with UnitOfWork(engine, backbone, source="/kelisim/notifications") as uow:
        flushed = counting_flushes(uow.session)
        on_case_escalated(envelope, data, uow)
        inbox.mark_applied(uow.conn, backbone.inbox, CONSUMER, envelope)
        uow.commit()
    # The mediator's name was read with the rules, before the rows were written: read after,
    # it flushed them (and the commit flushed the rest).
    assert flushed == []
    with new_session(engine) as db:
        note = db.exec(select(Notification)).one()
        assert len(db.exec(select(Delivery)).all()) == 2
        assert len(db.exec(select(EmailMessage)).all()) == 3
    assert json.loads(note.params)["mediator_name"] == "Aigerim Sapar"


def test_a_round_of_attempts_is_written_in_one_flush(engine: Engine) -> None:
    with UnitOfWork(engine, backbone, source="/kelisim/notifications") as uow:
        for envelope, data in (escalated(n) for n in range(3)):
            on_case_escalated(envelope, data, uow)
            inbox.mark_applied(uow.conn, backbone.inbox, CONSUMER, envelope)
        uow.commit()
    with new_session(engine) as db:
        ids = [d.id for d in db.exec(select(Delivery).order_by(Delivery.id)).all()]
    at = datetime.now(UTC)
    round_ = RecordAttempts(
        tuple(RecordAttempt(i, at, 200, 4, None, None, RetryPolicy()) for i in ids)
    )
    with UnitOfWork(engine, backbone, source="/kelisim/notifications") as uow:
        flushed = counting_flushes(uow.session)
        outcomes = record_attempts(round_, uow)
        uow.commit()
    assert outcomes == ["succeeded"] * len(ids)
    # each delivery and the two endpoints (their failing time is cleared); the attempts by Core
    assert len(flushed) == 1 and flushed[0] == len(ids) + 2
    with new_session(engine) as db:
        assert len(db.exec(select(DeliveryAttempt)).all()) == len(ids)
        assert {d.status for d in db.exec(select(Delivery)).all()} == {"succeeded"}
