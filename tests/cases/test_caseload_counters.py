"""The caseload counters follow every case change in its own transaction, rollbacks included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kelisim import migrations
from kelisim.auth import Principal
from kelisim.db import make_engine, new_session
from services.cases import caseload, listing
from services.cases.models import Case
from tests.support.db import fresh_database

TODAY = date(2026, 6, 15)
COORD = Principal(
    sub="coord", user_id="coord", roles=frozenset({"coordinator"}), regions=frozenset({"KZ-75"})
)


def scanned(session) -> list[dict[str, object]]:
    """The caseload as a scan of the cases computes it (what the counters must equal)."""
    rows = session.connection().execute(
        text(
            "SELECT mediator, count(*), "
            "sum(CASE WHEN status = 'in_mediation' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN status = 'settled' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN status = 'in_mediation' AND deadline < :today THEN 1 ELSE 0 END) "
            "FROM \"case\" WHERE region = 'KZ-75' AND mediator IS NOT NULL "
            "AND status IN ('registered', 'assigned', 'in_mediation', 'settled') "
            "GROUP BY mediator ORDER BY mediator"
        ),
        {"today": TODAY},
    )
    keys = ("mediator", "assigned", "in_mediation", "settled", "overdue")
    return [dict(zip(keys, (r[0], *map(int, r[1:])), strict=True)) for r in rows]


def counted(session) -> list[dict[str, object]]:
    return [row.model_dump() for row in listing.caseload(session, COORD, "KZ-75", TODAY)]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated cases database of its own."""
    with fresh_database(tmp_path, "cases") as url:
        migrations.upgrade("cases", url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def new_case(n: int, region: str = "KZ-75") -> Case:
    return Case(number=f"{region}-2026-{n:07d}", region=region, category="land", registered_by="x")


def test_counters_equal_a_scan_after_assignments_terms_outcomes_and_a_rollback(engine: Engine):
    with new_session(engine) as s:
        cases = [new_case(i) for i in range(8)] + [new_case(99, "KZ-71")]
        s.add_all(cases)
        s.commit()
        ids = [c.id for c in cases]
    steps = [
        {0: ("med-a", "assigned", None), 1: ("med-a", "assigned", None)},
        {2: ("med-b", "in_mediation", TODAY - timedelta(days=3))},
        {0: ("med-a", "in_mediation", TODAY + timedelta(days=30))},
        {1: ("med-a", "in_mediation", TODAY)},  # ends today: not overdue yet
        {
            3: ("med-b", "in_mediation", TODAY - timedelta(days=1)),
            8: ("med-a", "assigned", None),
        },
        {0: ("med-a", "in_mediation", TODAY - timedelta(days=1))},  # term moved back
        {2: ("med-b", "settled", TODAY - timedelta(days=3))},
        {3: ("med-c", "in_mediation", TODAY - timedelta(days=1))},  # reassigned
        {1: (None, "registered", None)},  # unassigned
        {0: ("med-a", "closed", None)},
    ]
    with new_session(engine) as s:
        for step in steps:
            for index, (mediator, status, deadline) in step.items():
                case = s.get(Case, ids[index])
                assert case is not None
                case.mediator, case.status, case.deadline = mediator, status, deadline
                s.add(case)
            s.commit()
            assert counted(s) == scanned(s)
        assert counted(s) == [
            {
                "mediator": "med-b",
                "assigned": 1,
                "in_mediation": 0,
                "settled": 1,
                "overdue": 0,
            },
            {
                "mediator": "med-c",
                "assigned": 1,
                "in_mediation": 1,
                "settled": 0,
                "overdue": 1,
            },
        ]
        case = s.get(Case, ids[4])
        assert case is not None
        case.mediator, case.status = "med-d", "assigned"
        s.add(case)
        s.flush()
        s.rollback()
        assert counted(s) == scanned(s)
        assert "med-d" not in {row["mediator"] for row in counted(s)}
        empty = s.connection().execute(text("SELECT count(*) FROM mediator_load WHERE cases <= 0"))
        assert empty.scalar_one() == 0


@pytest.mark.parametrize("status", ["withdrawn", "refused"])
def test_a_case_leaving_the_active_states_leaves_the_caseload(engine: Engine, status: str):
    with new_session(engine) as s:
        case = new_case(1)
        case.mediator, case.status = "med-a", "assigned"
        s.add(case)
        s.commit()
        assert [r["assigned"] for r in counted(s)] == [1]
        case.status = status
        s.add(case)
        s.commit()
        assert counted(s) == [] == scanned(s)


def test_a_computed_caseload_is_served_again_until_a_change_renews_the_regions_token(
    engine: Engine,
):
    with new_session(engine) as s:
        cases = [new_case(i) for i in range(3)] + [new_case(9, "KZ-71")]
        for case in cases:
            case.mediator, case.status = "med-a", "assigned"
        s.add_all(cases)
        s.commit()
        assert [r["assigned"] for r in counted(s)] == [3]
        # Counters changed behind the token's back are not read: the kept one is served.
        s.connection().execute(text("UPDATE mediator_load SET cases = 7"))
        s.commit()
        assert [r["assigned"] for r in counted(s)] == [3]
        # A change in another region leaves this region's token (and its kept caseload).
        cases[3].status = "in_mediation"
        s.add(cases[3])
        s.commit()
        assert [r["assigned"] for r in counted(s)] == [3]
        # A change in the region renews its token: the counters are read again.
        cases[0].status, cases[0].deadline = "in_mediation", TODAY + timedelta(days=10)
        s.add(cases[0])
        s.commit()
        assert [(r["assigned"], r["in_mediation"]) for r in counted(s)] == [(7, 1)]
        # A caseload read inside a flush that is rolled back is never served after it.
        cases[1].mediator = "med-b"
        s.add(cases[1])
        s.flush()
        assert [r["mediator"] for r in counted(s)] == ["med-a", "med-b"]
        s.rollback()
        assert [(r["mediator"], r["assigned"]) for r in counted(s)] == [("med-a", 7)]
        # A rebuild recounts and renews every region's token.
        caseload.rebuild(s.connection())
        s.commit()
        assert counted(s) == scanned(s)
        assert [r["assigned"] for r in counted(s)] == [3]
