"""GET /cases/{id} reads its case, parties and consents by the driver (queries.case_page): it
must show exactly what the ORM's entities show (`readable_case`, `parties_of`, `consents_of`),
for every kind of caller, on SQLite and PostgreSQL, and refuse exactly whom they refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kelisim import migrations
from kelisim.auth import Principal
from kelisim.db import make_engine, new_session
from kelisim.problems import Problem
from services.cases import permissions, queries
from services.cases.models import Case, Consent, Party
from services.cases.schemas import CasePublic, PartyPublic
from tests.support.db import fresh_database

COORD = Principal(
    sub="coord", user_id="coord", roles=frozenset({"coordinator"}), regions=frozenset({"KZ-75"})
)
MEDIATOR = Principal(
    sub="med-a", user_id="a", roles=frozenset({"mediator"}), regions=frozenset({"KZ-75"})
)
OTHER_MEDIATOR = Principal(
    sub="med-b", user_id="b", roles=frozenset({"mediator"}), regions=frozenset({"KZ-75"})
)
ADMIN = Principal(sub="admin", user_id="admin", roles=frozenset({"admin"}), regions=frozenset())
ANALYST = Principal(sub="an", user_id="an", roles=frozenset({"analyst"}), regions=frozenset())
ELSEWHERE = Principal(
    sub="coord-71", user_id="c71", roles=frozenset({"coordinator"}), regions=frozenset({"KZ-71"})
)


def _by_the_orm(s, who: Principal, case_id: str) -> CasePublic:
    """The page built from the ORM's entities, as it was before the driver read it."""
    case = queries.readable_case(s, who, case_id)
    personal = permissions.sees_personal_data(who, case)
    parties = queries.parties_of(s, case.id)
    consented = queries.consents_of(s, case.id)
    return CasePublic.model_validate(
        {
            **case.model_dump(),
            "refusal_reasons": case.refusal_reasons.split(",") if case.refusal_reasons else [],
            "personal_data": personal,
            "description": case.description if personal else None,
            "parties": [
                PartyPublic.model_validate(p, from_attributes=True).model_copy(
                    update={"consented": p.id in consented}
                )
                for p in parties
            ]
            if personal
            else None,
            "party_count": len(parties),
        }
    )


def test_the_case_page_by_the_driver_is_the_orms_page(tmp_path: Path):
    with fresh_database(tmp_path, "cases") as url:
        migrations.upgrade("cases", url)
        engine = make_engine(url)
        try:
            with new_session(engine) as s:
                case = Case(
                    number="KZ-75-2026-000001",
                    region="KZ-75",
                    category="land",
                    registered_by="coord",
                    registered_at=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
                    mediator="med-a",
                    declared=True,
                    status="in_mediation",
                    refusal_reasons="a,b",
                    agreement_signed_on=date(2026, 3, 10),
                    deadline=date(2026, 4, 9),
                    extended=True,
                    escalated=True,
                    version=7,
                    description="A wall between two courtyards",
                )
                bare = Case(
                    number="KZ-75-2026-000002",
                    region="KZ-75",
                    category="family",
                    registered_by="registrar",
                    mediator="med-b",  # assigned, not declared: reads it, not its parties
                    status="assigned",
                )
                first = Party(
                    case_id=case.id,
                    position=0,
                    kind="person",
                    name="Айгүл Сейітова",
                    phone="+77010000000",
                    state_body=False,
                )
                second = Party(
                    case_id=case.id,
                    position=1,
                    kind="organisation",
                    name="Akimat",
                    email="a@example.kz",
                    address="Abai 1",
                    language="ru",
                    state_body=True,
                    found_incapable=False,
                )
                third = Party(case_id=case.id, position=2, kind="person", name="Ерлан")
                s.add_all([case, bare, first, second, third])
                s.flush()
                given = date(2026, 3, 5)
                s.add_all(
                    [
                        Consent(
                            case_id=case.id,
                            party_id=first.id,
                            form="written",
                            given_on=given,
                            recorded_by="med-a",
                        ),
                        # withdrawn, and one for another purpose: neither counts
                        Consent(
                            case_id=case.id,
                            party_id=second.id,
                            form="oral",
                            given_on=given,
                            recorded_by="med-a",
                            withdrawn_at=datetime(2026, 3, 6, tzinfo=UTC),
                        ),
                        Consent(
                            case_id=case.id,
                            party_id=third.id,
                            purpose="extension",
                            form="written",
                            given_on=given,
                            recorded_by="med-a",
                        ),
                    ]
                )
                s.commit()
                shown = set()
                for who in (COORD, MEDIATOR, OTHER_MEDIATOR, ADMIN, ANALYST, ELSEWHERE):
                    for case_id in (case.id, bare.id, "no-such-case"):
                        try:
                            orm = _by_the_orm(s, who, case_id)
                        except Problem as refused:
                            with pytest.raises(Problem) as driver:
                                queries.case_page(s, who, case_id)
                            assert driver.value.status == refused.status == 404
                            continue
                        page = queries.case_page(s, who, case_id)
                        assert page.model_dump() == orm.model_dump(), (who.roles, case_id)
                        # The answer after a command (an entity, not a row) is the same page.
                        entity = queries.readable_case(s, who, case_id)
                        after = queries.case_for(s, who, entity)
                        assert after.model_dump() == page.model_dump(), (who.roles, case_id)
                        assert page.registered_at.utcoffset() is not None
                        shown.add((who.sub, case_id, page.personal_data))
                # Someone saw the parties and their consents, someone saw the case without them.
                seen = queries.case_page(s, COORD, case.id)
                assert [p.consented for p in seen.parties or []] == [True, False, False]
                assert seen.parties and seen.parties[1].state_body is True
                assert seen.party_count == 3 and seen.extended is True
                assert shown == {
                    ("coord", case.id, True),
                    ("coord", bare.id, True),
                    ("med-a", case.id, True),
                    ("med-b", bare.id, False),
                    ("admin", case.id, False),
                    ("admin", bare.id, False),
                }
        finally:
            engine.dispose()
