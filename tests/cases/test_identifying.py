"""What identifies a case (services/cases/practice.identifying, read by the driver): every
party's name and contacts, every session's place, the case number, and the day of every step
(registration and closing in UTC and in Kazakhstan, sessions, the agreement, the deadline,
settlements, signatures, consents, obligations), on SQLite and PostgreSQL. The escalation's
and the practice note's anonymity check compare their text with exactly this."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from kelisim import migrations
from kelisim.db import make_engine, new_session
from services.cases.models import (
    Case,
    Consent,
    MediationSession,
    Obligation,
    Party,
    Settlement,
    Signature,
)
from services.cases.practice import identifying
from tests.support.db import fresh_database


def _day(n: int) -> date:
    return date(2026, 1, n)


def test_every_step_of_a_case_and_every_fact_of_its_parties_identify_it(tmp_path: Path):
    with fresh_database(tmp_path, "cases") as url:
        migrations.upgrade("cases", url)
        engine = make_engine(url)
        try:
            with new_session(engine) as s:
                case = Case(
                    number="KZ-75-2026-000042",
                    region="KZ-75",
                    category="land",
                    registered_by="coord",
                    # 20:30 UTC on the 2nd is the 3rd in Kazakhstan: both days identify it.
                    registered_at=datetime(2026, 1, 2, 20, 30, tzinfo=UTC),
                    closed_at=datetime(2026, 1, 28, 9, 0, tzinfo=UTC),
                    status="settled",
                    agreement_signed_on=_day(5),
                    deadline=_day(30),
                )
                other = Case(
                    number="KZ-75-2026-000043",
                    region="KZ-75",
                    category="family",
                    registered_by="coord",
                    registered_at=datetime(2026, 3, 1, tzinfo=UTC),
                )
                first = Party(
                    case_id=case.id,
                    position=1,
                    kind="person",
                    name="Айгүл Сейітова",
                    phone="+77010000001",
                    email="aigul@example.kz",
                    address="Абая 15",
                )
                second = Party(case_id=case.id, position=0, kind="organisation", name="Akimat")
                s.add_all([case, other, first, second])
                s.flush()
                settlement = Settlement(
                    case_id=case.id,
                    terms="t",
                    signed_on=_day(20),
                    document_name="s.pdf",
                    media_type="application/pdf",
                    document=b"%PDF",
                    document_sha256="0" * 64,
                )
                s.add(settlement)
                s.flush()
                s.add_all(
                    [
                        MediationSession(
                            case_id=case.id,
                            place="Дом дружбы, зал 2",
                            scheduled_at=datetime(2026, 1, 10, 21, 0, tzinfo=UTC),
                        ),
                        Consent(
                            case_id=case.id,
                            party_id=first.id,
                            form="written",
                            given_on=_day(4),
                            recorded_by="med",
                        ),
                        Signature(
                            settlement_id=settlement.id, party_id=first.id, signed_on=_day(21)
                        ),
                        Obligation(
                            case_id=case.id,
                            settlement_id=settlement.id,
                            description="d",
                            due_on=_day(25),
                        ),
                        # Another case's facts identify that case, not this one.
                        Party(case_id=other.id, kind="person", name="Ерлан", phone="+77019999999"),
                        MediationSession(
                            case_id=other.id,
                            place="Elsewhere",
                            scheduled_at=datetime(2026, 3, 3, tzinfo=UTC),
                        ),
                    ]
                )
                s.commit()
                found = identifying(s, case)
                assert found.names == ["Akimat", "Айгүл Сейітова"]  # in the parties' order
                assert found.phones == ["+77010000001"]
                assert found.emails == ["aigul@example.kz"]
                assert found.addresses == ["Абая 15", "Дом дружбы, зал 2"]
                assert found.numbers == ["KZ-75-2026-000042"]
                assert found.dates == [
                    _day(2),  # registered, UTC
                    _day(3),  # registered, Kazakhstan
                    _day(4),  # consent
                    _day(5),  # mediation agreement
                    _day(10),  # session, UTC
                    _day(11),  # session, Kazakhstan
                    _day(20),  # settlement
                    _day(21),  # signature
                    _day(25),  # obligation due
                    _day(28),  # closed
                    _day(30),  # deadline
                ]
                bare = identifying(s, other)
                assert bare.names == ["Ерлан"] and bare.addresses == ["Elsewhere"]
                assert bare.dates == [date(2026, 3, 1), date(2026, 3, 3)]
        finally:
            engine.dispose()
