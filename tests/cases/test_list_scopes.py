"""A list is exactly the cases its caller may read, newest first, page after page, whichever
roles the caller combines; one mediator's caseload is that mediator's row of the region's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from kelisim import migrations
from kelisim.auth import Principal
from kelisim.db import make_engine, new_session
from services.cases import listing, permissions
from services.cases.models import Case
from tests.support.db import fresh_database

TODAY = date(2026, 6, 15)
START = datetime(2026, 1, 1, tzinfo=UTC)
COORD = Principal(
    sub="coord", user_id="coord", roles=frozenset({"coordinator"}), regions=frozenset({"KZ-75"})
)
MEDIATOR = Principal(
    sub="med-a", user_id="a", roles=frozenset({"mediator"}), regions=frozenset({"KZ-75"})
)
# A coordinator of one region who also mediates: own cases elsewhere, and the whole region.
BOTH = Principal(
    sub="med-a",
    user_id="a",
    roles=frozenset({"mediator", "coordinator"}),
    regions=frozenset({"KZ-75"}),
)
ADMIN = Principal(sub="admin", user_id="admin", roles=frozenset({"admin"}), regions=frozenset())


def cases() -> list[Case]:
    """Cases over two regions: assigned to med-a or others, registered by med-a or others."""
    found = []
    for i in range(40):
        region = ("KZ-75", "KZ-71", "KZ-47")[i % 3]
        mediator = ("med-a", "med-b", None)[i % 5 % 3]
        status = ("registered", "refused", "assigned", "in_mediation")[i % 4]
        if mediator is None and status in ("assigned", "in_mediation"):
            status = "registered"
        found.append(
            Case(
                number=f"{region}-2026-{i:06d}",
                region=region,
                category="land",
                registered_by="med-a" if i % 7 < 3 else "registrar",
                # Some cases share a registration time: the id breaks the tie.
                registered_at=START + timedelta(hours=i // 2),
                mediator=mediator,
                declared=mediator is not None and i % 2 == 0,
                status=status,
                deadline=TODAY + timedelta(days=i - 20) if status == "in_mediation" else None,
            )
        )
    return found


def test_every_callers_list_pages_through_exactly_the_cases_they_may_read(tmp_path: Path):
    with fresh_database(tmp_path, "cases") as url:
        migrations.upgrade("cases", url)
        engine = make_engine(url)
        try:
            with new_session(engine) as s:
                s.add_all(cases())
                s.commit()
                every = list(s.exec(select(Case)))
                for who in (COORD, MEDIATOR, BOTH, ADMIN):
                    readable = sorted(
                        (c for c in every if permissions.can_read(who, c)),
                        key=lambda c: (c.registered_at, c.id),
                        reverse=True,
                    )
                    seen, cursor = [], None
                    while True:
                        page = listing.list_cases(s, who, limit=4, cursor=cursor)
                        seen += page.items
                        cursor = page.next_cursor
                        if cursor is None:
                            break
                    assert [c.id for c in seen] == [c.id for c in readable], who.roles
                    by_id = {c.id: c for c in every}
                    for item in seen:
                        personal = permissions.sees_personal_data(who, by_id[item.id])
                        assert item.personal_data is personal
                    waiting = listing.list_cases(s, who, status="registered", limit=100)
                    assert [c.id for c in waiting.items] == [
                        c.id for c in readable if c.status == "registered"
                    ]
        finally:
            engine.dispose()


def test_one_mediators_caseload_is_their_row_of_the_regions(tmp_path: Path):
    with fresh_database(tmp_path, "cases") as url:
        migrations.upgrade("cases", url)
        engine = make_engine(url)
        try:
            with new_session(engine) as s:
                s.add_all(cases())
                s.commit()
                region = listing.caseload(s, COORD, "KZ-75", TODAY)
                assert {row.mediator for row in region} == {"med-a", "med-b"}
                for row in region:
                    one = listing.caseload(s, COORD, "KZ-75", TODAY, row.mediator)
                    assert one == [row]
                assert listing.caseload(s, COORD, None, TODAY, "med-nobody") == []
        finally:
            engine.dispose()
