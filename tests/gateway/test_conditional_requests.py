"""Every route of every app answers conditional GETs and HEAD (kelisim.web.Conditional): a
record whose ETag the client holds is 304 through the gateway, and HEAD is its GET without
the body."""

from __future__ import annotations

import pytest

from tests.support.gateway import Stack

CASE = {"region": "KZ-75", "category": "family", "description": "A shared yard", "parties": []}


@pytest.fixture(scope="module")
async def coordinator(stack: Stack) -> dict[str, str]:
    return await stack.login_as("cond-coord", roles=["coordinator"], regions=["KZ-75"])


async def test_a_record_the_client_holds_is_not_sent_again(stack: Stack, coordinator) -> None:
    created = await stack.client.post("/api/v1/cases", json=CASE, headers=coordinator)
    assert created.status_code == 201, created.text
    path = f"/api/v1/cases/{created.json()['id']}"
    first = await stack.client.get(path, headers=coordinator)
    tag = first.headers["etag"]
    for held in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = await stack.client.get(path, headers={**coordinator, "If-None-Match": held})
        assert again.status_code == 304, (held, again.text)
        assert again.content == b"" and again.headers["etag"] == tag
        assert "content-type" not in again.headers
    for other in ('"other"', "not a tag"):
        fresh = await stack.client.get(path, headers={**coordinator, "If-None-Match": other})
        assert fresh.status_code == 200 and fresh.json() == first.json(), other
    # A change gives a new tag: the old copy is sent again.
    changed = await stack.client.post(
        f"{path}/assignment", json={"mediator": "nobody"}, headers=coordinator
    )
    assert changed.status_code == 422  # refused: nothing changed, the copy is still current
    still = await stack.client.get(path, headers={**coordinator, "If-None-Match": tag})
    assert still.status_code == 304
    # Without a tag in the answer there is nothing to compare: a list is sent whole.
    listed = await stack.client.get("/api/v1/cases", headers={**coordinator, "If-None-Match": "*"})
    assert listed.status_code == 200 and "etag" not in listed.headers


async def test_head_is_the_get_without_its_body(stack: Stack) -> None:
    for path in ("/public?region=KZ-75", "/public/feed.atom", "/login", "/healthz"):
        got = await stack.client.get(path)
        head = await stack.client.head(path)
        assert got.status_code == head.status_code == 200, (path, head.status_code)
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"], path
