"""Times keep their instant on every backend: SQLite stores no offset, PostgreSQL does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, select

from kelisim.db import UtcDateTime, make_engine
from tests.support.db import fresh_database

ALMATY = timezone(timedelta(hours=5))


def test_a_time_given_with_an_offset_reads_back_as_the_same_instant_in_utc(tmp_path):
    metadata = MetaData()
    moments = Table(
        "moments", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime())
    )
    with fresh_database(tmp_path, "moments") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        given = datetime(2026, 11, 24, 10, 0, tzinfo=ALMATY)
        naive_utc = datetime(2026, 11, 24, 5, 0)
        with engine.begin() as conn:
            conn.execute(moments.insert(), [{"id": 1, "at": given}, {"id": 2, "at": naive_utc}])
        with engine.connect() as conn:
            rows = dict(conn.execute(select(moments.c.id, moments.c.at)).all())
            later = (
                conn.execute(
                    select(moments.c.id).where(
                        moments.c.at > datetime(2026, 11, 24, 9, 0, tzinfo=ALMATY)
                    )
                )
                .scalars()
                .all()
            )
        engine.dispose()
    assert rows[1] == given and rows[1].tzinfo == UTC
    assert rows[1].hour == 5
    assert rows[2] == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    assert sorted(later) == [1, 2]  # 09:00+05:00 is 04:00 UTC: both are later
