"""The public principal reaches the councils' public read API and nothing else, and that API
answers nothing unpublished."""

from __future__ import annotations

import pytest

from gateway.permissions import allowed
from tests.councils.support import MEMBERS, make_council
from tests.support.checks import items_of
from tests.support.services import bearer, running

PRESENT = [u for u in MEMBERS if u != "m7"]


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/v1/councils/public/protocols", "GET", True),
        ("/api/v1/councils/public/verify", "HEAD", True),
        ("/api/v1/councils/public/protocols", "POST", False),
        ("/api/v1/councils/abc/protocols", "GET", False),
        ("/api/v1/councils/publication", "GET", False),
        ("/api/v1/cases", "GET", False),
        ("/api/v1/notifications/inbox", "GET", False),
        ("/api/v1/analytics/overview", "GET", False),
    ],
)
def test_the_public_role_reaches_only_the_public_read_api(path, method, expected):
    assert allowed({"public"}, path, method) is expected


async def test_a_public_token_reads_no_unpublished_work_of_a_council(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await council.sitting(present=PRESENT)
        await council.ok("POST", f"/sessions/{session_id}/close")
        draft = (await council.ok("POST", f"/sessions/{session_id}/protocol"))["id"]
        public = bearer(settings, "councils", sub="public", roles=["public"])
        for path in (
            f"/protocols/{draft}",
            f"/{council.id}/protocols",
            f"/sessions/{session_id}",
            f"/{council.id}/sessions",
            f"/{council.id}/members",
            f"/{council.id}/recommendations",
        ):
            answer = await client.get(f"/api/v1/councils{path}", headers=public)
            assert answer.status_code == 403, (path, answer.text)
        for path in (f"/public/protocols/{draft}", f"/public/protocols/{draft}/pdf"):
            answer = await client.get(f"/api/v1/councils{path}", headers=public)
            assert answer.status_code == 404, path
        listed = await client.get("/api/v1/councils/public/protocols", headers=public)
        assert items_of(listed) == []
        anonymous = await client.get("/api/v1/councils/public/protocols")
        assert anonymous.status_code == 401
        bad_hash = await client.get(
            "/api/v1/councils/public/verify", params={"sha256": "x" * 64}, headers=public
        )
        assert bad_hash.status_code == 422
        assert bad_hash.headers["content-type"] == "application/problem+json"
