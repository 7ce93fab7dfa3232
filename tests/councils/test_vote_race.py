"""Votes racing the close of the vote: every stored vote is counted, or it was refused."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlmodel import select

from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.uow import Actor
from services.councils.handlers.voting import CastVote, CloseVote, cast_vote, close_vote
from services.councils.models import AgendaItem, Vote
from services.councils.schemas import VoteCreate
from tests.councils.support import make_council
from tests.support.db import postgres_admin_url
from tests.support.services import running

pytestmark = pytest.mark.skipif(
    not postgres_admin_url(),
    reason="SQLite serialises every write transaction (BEGIN IMMEDIATE), so the votes cannot "
    "race the close there; the row lock matters on PostgreSQL (set TEST_DATABASE_URL)",
)

MEMBERS = ["chair", "secretary", *[f"m{n}" for n in range(1, 31)]]
ROUNDS = 4


def _principal(council_id: str, username: str) -> Principal:
    role = "council_secretary" if username == "secretary" else "council_member"
    return Principal(
        sub=username, user_id=username, roles=frozenset({role}), councils=frozenset({council_id})
    )


async def test_no_vote_is_stored_after_the_close_without_being_counted(settings):
    async with running("councils", settings) as client:
        ctx = client.app.state.ctx
        council = await make_council(client, settings, members=MEMBERS)
        _, items = await council.sitting(present=MEMBERS, items=ROUNDS)
        voters = [u for u in MEMBERS if u != "secretary"]

        def race(item_id: str) -> dict[str, str]:
            """Every member casts while the secretary closes, all released at once."""
            start = threading.Barrier(len(voters) + 1)
            outcome: dict[str, str] = {}

            def cast(username: str) -> None:
                cmd = CastVote(
                    principal=_principal(council.id, username),
                    item_id=item_id,
                    body=VoteCreate(choice="for"),
                )
                start.wait()
                try:
                    with ctx.uow(Actor(username)) as uow:
                        cast_vote(cmd, uow)
                        uow.commit()
                    outcome[username] = "stored"
                except Problem as exc:
                    outcome[username] = exc.kind

            def close() -> None:
                cmd = CloseVote(principal=_principal(council.id, "secretary"), item_id=item_id)
                start.wait()
                # Let a few casts through first, so the close lands in the middle of them.
                threading.Event().wait(0.005)
                with ctx.uow(Actor("secretary")) as uow:
                    close_vote(cmd, uow)
                    uow.commit()

            threads = [threading.Thread(target=cast, args=(u,)) for u in voters]
            threads.append(threading.Thread(target=close))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return outcome

        for item_id in items:
            await council.ok("POST", f"/items/{item_id}/vote/open")
            outcome = await asyncio.to_thread(race, item_id)
            with ctx.uow(Actor("test")) as uow:
                item = uow.session.get(AgendaItem, item_id)
                status = item.vote_status
                counted = item.votes_for + item.votes_against + item.votes_abstained
                stored = uow.session.exec(select(Vote).where(Vote.item_id == item_id)).all()
                stored = [v.username for v in stored]
            assert status == "closed"
            assert len(stored) == counted, (
                f"{len(stored)} votes stored, {counted} counted: "
                f"{len(stored) - counted} stored after the close without being counted"
            )
            assert sorted(stored) == sorted(
                u for u, result in outcome.items() if result == "stored"
            )
            refused = {r for r in outcome.values() if r != "stored"}
            assert refused <= {"invalid-transition", "vote-not-open"}, outcome
