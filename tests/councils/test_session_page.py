"""GET /sessions/{id} reads its session, members, attendance and agenda by the driver
(pages.session_page): it must show exactly what the ORM's `session_with_council` +
`require_member` + `answers.session_detail` show, for every member and every state of a
session, on SQLite and PostgreSQL, and refuse exactly whom they refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session as DbSession

from kelisim import audit
from kelisim.auth import Principal
from kelisim.db import make_engine, new_session, read_session
from kelisim.problems import Problem
from services.councils import answers, pages, permissions, queries
from services.councils.models import (
    AgendaItem,
    Attendance,
    Council,
    Document,
    Member,
    Recusal,
    Session,
    Vote,
    backbone,
)
from tests.support.db import fresh_database, migrated

NOW = datetime.now(UTC)


def _day(days: int) -> date:
    return queries.today() + timedelta(days=days)


def _orm_page(db: DbSession, who: Principal, session_id: str) -> dict[str, Any]:
    session, council = queries.session_with_council(db, session_id)
    permissions.require_member(db, council, who)
    return answers.session_detail(db, session, council).model_dump(mode="json")


def _refusal(page: Any, *args: Any) -> tuple[int, str, str | None] | None:
    try:
        page(*args)
    except Problem as refused:
        return refused.status, refused.kind, refused.detail
    return None


def _council(s: DbSession, region: str, quorum_percent: int | None) -> Council:
    council = Council(name=f"Council {region}", level="district", region=region)
    council.quorum_percent = quorum_percent
    s.add(council)
    return council


def _member(s: DbSession, council: Council, username: str, start: int, end: int | None) -> None:
    role = "secretary" if username == "secretary" else "chair" if username == "chair" else "member"
    s.add(
        Member(
            council_id=council.id,
            username=username,
            full_name=username.title(),
            role=role,
            term_start=_day(start),
            term_end=None if end is None else _day(end),
        )
    )


def _item(s: DbSession, session: Session, position: int, **values: Any) -> AgendaItem:
    item = AgendaItem(
        session_id=session.id,
        position=position,
        titles={"kk": f"{position}-мәселе", "ru": f"Вопрос {position}", "en": f"Item {position}"},
        proposal={"ru": "Рекомендовать акимату"},
        rapporteur="А. Сейтқали",
        **values,
    )
    s.add(item)
    return item


def _attend(s: DbSession, session: Session, marks: dict[str, bool]) -> None:
    s.add_all(Attendance(session_id=session.id, username=u, present=p) for u, p in marks.items())


def _world(s: DbSession) -> tuple[Council, Council, dict[str, Session]]:
    """Two councils; sessions of the first in every state, members around their sitting days."""
    home = _council(s, "KZ-75", 60)
    other = _council(s, "KZ-71", None)
    s.flush()
    for username, start, end in (
        ("chair", -400, None),
        ("secretary", -400, None),
        ("m1", -400, 100),
        ("m2", -5, None),  # joined after the held session's sitting day: reads it, not counted
        ("m3", -400, -3),  # left after that sitting day: counted there, reads nothing now
        ("m4", -400, -20),  # left before it: counted nowhere
        ("m5", 1, None),  # joins tomorrow
        ("m6", -400, 0),  # today is the last day of the term
        ("m7", 0, None),  # today is the first
        ("m8", -9, None),  # joined on the held sitting's day in Kazakhstan (not in UTC)
        ("m9", -400, -10),  # left the UTC day the sitting opened, the day before in Kazakhstan
    ):
        _member(s, home, username, start, end)
    _member(s, other, "chair", -400, None)  # the home chair also sits on the other council
    _member(s, other, "o1", -400, None)
    # Opened at 20:30 UTC ten days ago: the next day in Kazakhstan, whose members it counts.
    opened = datetime.combine(_day(-10), time(20, 30), UTC)
    sessions = {
        "planned": Session(council_id=home.id, title="Planned", starts_at=NOW + timedelta(days=3)),
        "convened": Session(
            council_id=home.id,
            title="Convened",
            status="convened",
            starts_at=NOW + timedelta(days=1),
            place="Friendship House",
            online_link="https://meet.example.kz/x",
            convened_at=NOW - timedelta(hours=2),
        ),
        "held": Session(
            council_id=home.id,
            title="Held",
            status="closed",
            starts_at=opened + timedelta(minutes=30),
            convened_at=opened - timedelta(days=5),
            held_at=opened,
            closed_at=opened + timedelta(hours=3),
        ),
        "rescheduled": Session(
            council_id=home.id,
            title="Moved",
            starts_at=NOW + timedelta(days=9),
            sequence=1,
            moved_from=NOW + timedelta(days=2),
            public_reason="Flood",
        ),
        "cancelled": Session(
            council_id=home.id,
            title="Called off",
            status="cancelled",
            starts_at=NOW + timedelta(days=4),
            cancelled_at=NOW - timedelta(hours=1),
            sequence=2,
            public_reason="The akim called it off",
        ),
        "other": Session(council_id=other.id, title="Other", starts_at=NOW + timedelta(days=2)),
    }
    s.add_all(sessions.values())
    s.flush()

    planned = sessions["planned"]
    first = _item(s, planned, 1, decision_rule="two_thirds")
    _item(s, planned, 2)
    s.flush()
    # Stored in one order, uploaded in the other: a page lists materials as uploaded.
    for name, size, hours in (("plan.pdf", 3, 1), ("map.png", 5, 2)):
        s.add(
            Document(
                item_id=first.id,
                filename=name,
                media_type="application/pdf",
                size=size,
                sha256=name.ljust(64, "0"),
                content=b"x" * size,
                uploaded_by="secretary",
                uploaded_at=NOW - timedelta(hours=hours),
            )
        )

    convened = sessions["convened"]
    _item(s, convened, 1)
    _attend(s, convened, {"chair": True, "secretary": True, "m1": True, "m2": False, "m5": True})

    held = sessions["held"]
    closed = _item(
        s,
        held,
        1,
        vote_status="closed",
        entitled=["chair", "m3", "m8"],
        members_count=8,
        votes_for=2,
        votes_against=1,
        votes_abstained=0,
        adopted=True,
        vote_closed_at=opened + timedelta(hours=1),
    )
    voting = _item(s, held, 2, vote_status="open", decision_rule="absolute")
    _item(s, held, 3)
    s.flush()
    marks = {"chair": True, "secretary": True, "m1": True, "m2": True, "m3": True, "m8": True}
    _attend(s, held, {**marks, "m9": True, "m6": False})
    for item, username, reason in ((closed, "secretary", ""), (closed, "m1", "My brother's case")):
        s.add(Recusal(item_id=item.id, username=username, reason=reason))
    for item, username, choice in (
        (closed, "m8", "against"),
        (closed, "chair", "for"),
        (closed, "m3", "for"),
        (voting, "m3", "abstain"),
        (voting, "chair", "for"),
    ):
        s.add(Vote(item_id=item.id, username=username, choice=choice, cast_at=opened))

    conn = s.connection()
    for key, action, before, after in (
        ("rescheduled", "session.planned", None, {"title": "Moved"}),  # not a change
        ("rescheduled", "session.rescheduled", {"starts_at": "2026-01-02T10:00:00+00:00"}, None),
        ("cancelled", "session.rescheduled", None, {"reason": "Hall busy"}),
        ("cancelled", "session.cancelled", {"status": "planned"}, {"reason": "Called off"}),
    ):
        audit.append(
            conn,
            backbone,
            actor="secretary",
            action=action,
            entity="session",
            entity_id=sessions[key].id,
            before=before,
            after=after,
        )
    return home, other, sessions


def _member_of(council: Council, username: str, **more: Any) -> Principal:
    roles = {"council_secretary" if username == "secretary" else "council_member"}
    return Principal(
        sub=username,
        user_id=username,
        roles=frozenset(more.pop("roles", roles)),
        regions=frozenset({council.region or ""}),
        councils=frozenset({council.id}),
        **more,
    )


def test_the_session_page_by_the_driver_is_the_orms_page(tmp_path: Path):
    with fresh_database(tmp_path, "councils") as url:
        migrated("councils", url)
        engine = make_engine(url)
        try:
            with new_session(engine) as s:
                home, other, sessions = _world(s)
                s.commit()
            callers = {
                **{u: _member_of(home, u) for u in ("chair", "secretary", "m1", "m2", "m3")},
                **{u: _member_of(home, u) for u in ("m4", "m5", "m6", "m7", "m8", "m9")},
                "stranger": _member_of(home, "stranger"),  # the council in scope, no membership
                "admin": _member_of(home, "admin", roles={"admin"}),
                "analyst": _member_of(home, "analyst", roles={"analyst"}),
                "o1": _member_of(other, "o1"),  # another region's council
                "chair-elsewhere": _member_of(other, "chair"),  # a member, the token not for it
            }
            shown: dict[tuple[str, str], dict[str, Any]] = {}
            refused: set[tuple[str, str, int]] = set()
            with read_session(engine) as db:
                for name, who in callers.items():
                    for key, session_id in [
                        *((k, v.id) for k, v in sessions.items()),
                        ("unknown", "no-such-session"),
                    ]:
                        orm_refusal = _refusal(_orm_page, db, who, session_id)
                        driver_refusal = _refusal(pages.session_page, db, session_id, who)
                        assert driver_refusal == orm_refusal, (name, key)
                        if orm_refusal is not None:
                            refused.add((name, key, orm_refusal[0]))
                            continue
                        page = pages.session_page(db, session_id, who)
                        assert page.model_dump(mode="json") == _orm_page(db, who, session_id), (
                            name,
                            key,
                        )
                        assert page.starts_at.utcoffset() is not None
                        shown[(name, key)] = page.model_dump(mode="json")

            readers = {"chair", "secretary", "m1", "m2", "m6", "m7", "m8"}
            home_sessions = {"planned", "convened", "held", "rescheduled", "cancelled"}
            assert set(shown) == {(u, k) for u in readers for k in home_sessions} | {
                ("o1", "other"),
                ("chair-elsewhere", "other"),
            }
            assert {(n, k) for n, k, status in refused if status == 404} == {
                (n, "unknown") for n in callers
            }
            assert all(status == 403 for _, k, status in refused if k != "unknown")

            # The pages hold what the states put in them (so the equality above means something).
            held = shown[("m2", "held")]
            assert held["present"] == ["chair", "m1", "m3", "m8", "secretary"]
            assert held["absent"] == ["m6"]
            assert held["quorum"] == {"members": 6, "present": 5, "required": 4, "reached": True}
            first = held["items"][0]
            assert first["recused"] == ["m1", "secretary"]
            assert first["recusals"][0]["reason"] == "My brother's case"
            assert [v["username"] for v in first["votes"]] == ["chair", "m3", "m8"]
            assert first["adopted"] is True and first["entitled"] == ["chair", "m3", "m8"]
            assert held["items"][1]["adopted"] is None and len(held["items"]) == 3
            convened = shown[("chair", "convened")]
            assert convened["present"] == ["chair", "m1", "secretary"]
            assert convened["absent"] == ["m2", "m6", "m7", "m8"]
            assert convened["quorum"] == {
                "members": 7,
                "present": 3,
                "required": 5,
                "reached": False,
            }
            planned = shown[("m7", "planned")]
            assert [d["filename"] for d in planned["items"][0]["materials"]] == [
                "map.png",
                "plan.pdf",
            ]
            assert planned["items"][0]["titles"]["kk"] == "1-мәселе"
            assert [c["kind"] for c in shown[("m1", "cancelled")]["changes"]] == [
                "rescheduled",
                "cancelled",
            ]
            moved = shown[("m1", "rescheduled")]["changes"]
            assert [c["previous_starts_at"] for c in moved] == ["2026-01-02T10:00:00Z"]
        finally:
            engine.dispose()
