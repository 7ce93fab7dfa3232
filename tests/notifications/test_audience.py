"""A notice reads only the part of the staff directory it may reach, and misses nobody in it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from kelisim.db import make_engine
from services.notifications.handlers.notify import audience_query, recipient_matches
from services.notifications.models import Notification, Recipient
from tests.support.db import fresh_database, migrated

PEOPLE = {
    # username: (roles, regions, councils, active)
    "both": (["coordinator", "mediator"], ["KZ-71", "KZ-75"], [], True),
    "coordinator": (["coordinator"], ["KZ-75"], [], True),
    "elsewhere": (["coordinator"], ["KZ-71"], [], True),
    "longer_code": (["coordinator"], ["KZ-750"], [], True),
    "inactive": (["coordinator"], ["KZ-75"], [], False),
    "mediator": (["mediator"], ["KZ-75"], [], True),
    "member_c1": (["council_member"], ["KZ-75"], ["c1"], True),
    "member_c10": (["council_member"], ["KZ-75"], ["c10"], True),
    "member_a_b": (["council_member"], ["KZ-75"], ["a_b"], True),
    "member_axb": (["council_member"], ["KZ-75"], ["axb"], True),
}

NOTES = [
    Notification(topic="t", audience_role="coordinator", region="KZ-75"),
    Notification(topic="t", audience_role="mediator", region="KZ-71"),
    Notification(topic="t", audience_role="coordinator"),
    Notification(topic="t", audience_role="council_member", council_id="c1"),
    Notification(topic="t", audience_role="council_member", council_id="a_b"),
    Notification(topic="t", audience_user="mediator"),
    Notification(topic="t", audience_user="inactive"),
]


def test_the_query_finds_exactly_whom_the_rules_reach(tmp_path: Path) -> None:
    with fresh_database(tmp_path, "notifications") as url:
        migrated("notifications", url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                for name, (roles, regions, councils, active) in PEOPLE.items():
                    person = Recipient(username=name, user_id=name, active=active)
                    # As the directory's writer stores them (recipients.on_user_upserted).
                    person.roles = json.dumps(sorted(roles))
                    person.regions = json.dumps(sorted(regions))
                    person.councils = json.dumps(sorted(councils))
                    session.add(person)
                session.commit()
                query, params = audience_query(Notification(topic="t"))
                everyone = session.exec(query, params=params).all()
                found = {}
                for i, note in enumerate(NOTES):
                    query, params = audience_query(note)
                    found[i] = sorted(p.username for p in session.exec(query, params=params))
                reached = {
                    i: sorted(p.username for p in everyone if recipient_matches(p, note))
                    for i, note in enumerate(NOTES)
                }
        finally:
            engine.dispose()
    # Narrowed in SQL: nobody the rules reach is missing, nobody else is read.
    assert found == reached
    assert found == {
        0: ["both", "coordinator"],  # not KZ-750, not the inactive one
        1: ["both"],
        2: ["both", "coordinator", "elsewhere", "longer_code"],
        3: ["member_c1"],  # not c10
        4: ["member_a_b"],  # "_" is a letter here, not LIKE's wildcard
        5: ["mediator"],
        6: [],
    }
