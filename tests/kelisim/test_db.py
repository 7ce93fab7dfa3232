"""Times keep their instant on every backend: SQLite stores no offset, PostgreSQL does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    select,
)

from kelisim.db import (
    LIKE_ESCAPE,
    DriverStatement,
    UtcDateTime,
    containing,
    make_engine,
    read_session,
)
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


def test_a_driver_statement_reads_what_the_statement_reads_with_values_bound_by_type(tmp_path):
    metadata = MetaData()
    events = Table(
        "events",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("kind", String(10)),
        Column("at", UtcDateTime()),
    )
    start = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    kinds = ("a", "b", "c")
    # A list written into the statement (fixed), a time and a limit given at each run.
    listed = (
        select(events.c.id, events.c.kind, events.c.at)
        .where(
            events.c.kind.in_(["a", "b"]), events.c.at >= bindparam("since", type_=UtcDateTime())
        )
        .order_by(events.c.at.desc(), events.c.id)
        .limit(bindparam("limit"))
    )
    # A list given at each run (its length changes the SQL).
    chosen = select(events.c.id).where(events.c.id.in_(bindparam("ids", expanding=True)))
    with fresh_database(tmp_path, "events") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                events.insert(),
                [
                    {"id": i, "kind": kinds[i % 3], "at": start + timedelta(minutes=i)}
                    for i in range(30)
                ],
            )
        found = {}
        with engine.connect() as conn:
            driver = DriverStatement.of(listed, conn.dialect)
            assert DriverStatement.of(listed, conn.dialect) is driver  # compiled once
            for since, limit in (
                (start, 5),
                (start + timedelta(minutes=10, seconds=1), 7),
                (start.astimezone(ALMATY), 100),
            ):
                params = {"since": since, "limit": limit}
                expected = [tuple(r) for r in conn.execute(listed, params)]
                got = driver.rows(conn, params)
                found[(since, limit)] = (expected, got)
            ids = DriverStatement.of(chosen, conn.dialect)
            picked = [
                sorted(r.id for r in ids.rows(conn, {"ids": pick})) for pick in ([3], [1, 2, 29])
            ]
        engine.dispose()
    for (since, limit), (expected, got) in found.items():
        assert [(r.id, r.kind) for r in got] == [(r[0], r[1]) for r in expected]
        assert len(got) == min(
            limit,
            len([i for i in range(30) if i % 3 != 2 and start + timedelta(minutes=i) >= since]),
        )
    assert picked == [[3], [1, 2, 29]]


def test_typed_driver_rows_are_what_the_connection_gives(tmp_path):
    """JSON, booleans, times and text come back converted as `Connection.execute` gives them
    (on SQLite the driver alone gives JSON and times as text, booleans as 0/1)."""
    metadata = MetaData()
    people = Table(
        "people",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(20)),
        Column("active", Boolean, nullable=False),
        Column("roles", JSON, nullable=False),
        Column("seen", UtcDateTime(), nullable=True),
    )
    at = datetime(2026, 12, 5, 23, 59, 30, 123456, tzinfo=UTC)
    stored = [
        {"id": 1, "name": "Aigerim", "active": True, "roles": ["mediator"], "seen": at},
        {"id": 2, "name": "Нұрлан", "active": False, "roles": [], "seen": None},
        {
            "id": 3,
            "name": "Saule",
            "active": True,
            "roles": ["a", "b"],
            "seen": at.astimezone(ALMATY),
        },
    ]
    one = select(people.c.active, people.c.roles, people.c.seen, people.c.name, people.c.id).where(
        people.c.id == bindparam("id")
    )
    with fresh_database(tmp_path, "people") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(people.insert(), stored)
        with engine.connect() as conn:
            driver = DriverStatement.of(one, conn.dialect)
            pairs = [
                (
                    [tuple(r) for r in conn.execute(one, {"id": i})],
                    driver.typed_rows(conn, {"id": i}),
                )
                for i in (1, 2, 3, 4)
            ]
            raw = driver.rows(conn, {"id": 1})
        engine.dispose()
    for expected, got in pairs:
        assert [tuple(r) for r in got] == expected
    assert [r.roles for expected, got in pairs for r in got] == [["mediator"], [], ["a", "b"]]
    assert [r.seen for expected, got in pairs for r in got] == [at, None, at]
    assert [type(r.active) for expected, got in pairs for r in got] == [bool, bool, bool]
    if url.startswith("sqlite"):  # what the conversion is for: the driver's own values
        assert (raw[0].active, raw[0].roles) == (1, '["mediator"]')
        assert isinstance(raw[0].seen, str)


def test_a_containing_pattern_takes_its_text_literally(tmp_path):
    metadata = MetaData()
    words = Table(
        "words", metadata, Column("id", Integer, primary_key=True), Column("w", String(20))
    )
    stored = ["a_b", "axb", "50%", "500", "a\\b", "ab", '["c10"]', '["c1"]']
    with fresh_database(tmp_path, "words") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(words.insert(), [{"id": i, "w": w} for i, w in enumerate(stored)])
        found = {}
        with engine.connect() as conn:
            for text in ("_", "%", "\\", "a_b", '"c1"'):
                query = select(words.c.w).where(
                    words.c.w.like(containing(text), escape=LIKE_ESCAPE)
                )
                found[text] = sorted(conn.execute(query).scalars())
        engine.dispose()
    assert found == {
        "_": ["a_b"],
        "%": ["50%"],
        "\\": ["a\\b"],
        "a_b": ["a_b"],
        '"c1"': ['["c1"]'],
    }


def test_a_row_asks_its_default_factories_signature_once_not_at_every_row(monkeypatch):
    """kelisim.db memoises pydantic's question of a default factory (a third of a row's cost)."""
    from pydantic._internal import _typing_extra

    from services.notifications.models import Delivery

    asked: list[object] = []
    real = _typing_extra.signature_no_eval

    def counting(factory):  # type: ignore[no-untyped-def]
        asked.append(factory)
        return real(factory)

    monkeypatch.setattr(_typing_extra, "signature_no_eval", counting)
    first = Delivery(endpoint_id="e", escalation_id="x", region="KZ-75", body="{}")
    after_first = len(asked)
    rows = [
        Delivery(endpoint_id="e", escalation_id=f"x{n}", region="KZ-75", body="{}")
        for n in range(5)
    ]
    assert len(asked) == after_first  # no factory was asked again
    assert len({row.id for row in [first, *rows]}) == 6  # and every factory still ran
    assert all(row.created_at is not None for row in rows)


def test_a_read_session_sees_one_snapshot_while_others_commit(tmp_path):
    """A page made of several reads (the council figures: each measure's table in turn) must
    not mix two states of the database: on PostgreSQL's default, each statement saw the
    latest commit, and one answer showed a state body's three recommendations beside a
    region's none."""
    metadata = MetaData()
    figures = Table("figures", metadata, Column("id", Integer, primary_key=True))
    with fresh_database(tmp_path, "snapshot") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        count = select(func.count()).select_from(figures)
        with read_session(engine) as db:
            before = db.execute(count).scalar_one()
            with engine.begin() as conn:  # a writer commits between the page's two reads
                conn.execute(figures.insert(), [{"id": 1}, {"id": 2}])
            during = db.execute(count).scalar_one()
        with read_session(engine) as db:
            after = db.execute(count).scalar_one()
        engine.dispose()
    assert (before, during, after) == (0, 0, 2)
