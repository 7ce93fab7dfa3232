"""An admin manages other users' API keys; webhook endpoints name real regions only."""

from __future__ import annotations

import json

from sqlalchemy import select

from gateway.models import backbone
from tests.support.checks import items_of
from tests.support.gateway import Stack


async def test_an_admin_lists_and_revokes_another_users_api_key(stack: Stack) -> None:
    owner = await stack.create_user("police-bot", roles=["liaison"], regions=["KZ-75"])
    headers = await stack.login("police-bot", "user-password-1")
    created = await stack.client.post(
        "/api/v1/me/api-keys", json={"name": "police system"}, headers=headers
    )
    key = created.json()["key"]
    by_key = {"Authorization": f"Bearer {key}"}
    path = f"/api/v1/users/{owner['id']}/api-keys"

    listed = await stack.client.get(path, headers=stack.admin)
    assert [k["name"] for k in items_of(listed)] == ["police system"]
    assert key not in json.dumps(listed.json())

    # Nobody but an admin reads or revokes them; a key of someone else is 404.
    peer = await stack.login_as("police-peer", roles=["coordinator"], regions=["KZ-75"])
    assert (await stack.client.get(path, headers=peer)).status_code == 403
    key_id = created.json()["id"]
    refused = await stack.client.delete(f"{path}/{key_id}", headers=peer)
    assert refused.status_code == 403
    other = await stack.create_user("police-other", roles=["liaison"], regions=["KZ-75"])
    wrong = await stack.client.delete(
        f"/api/v1/users/{other['id']}/api-keys/{key_id}", headers=stack.admin
    )
    assert wrong.status_code == 404
    assert wrong.headers["content-type"] == "application/problem+json"
    assert (await stack.client.get("/api/v1/notifications/feed", headers=by_key)).status_code == 200

    revoked = await stack.client.delete(f"{path}/{key_id}", headers=stack.admin)
    assert revoked.status_code == 204
    after = await stack.client.get("/api/v1/notifications/feed", headers=by_key)
    assert after.status_code == 401
    assert items_of(await stack.client.get(path, headers=stack.admin))[0]["revoked_at"]
    engine = stack.client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        entries = conn.execute(
            select(backbone.audit_log.c.after).where(
                backbone.audit_log.c.action == "api_key.revoked",
                backbone.audit_log.c.entity_id == key_id,
            )
        ).all()
    assert [json.loads(e.after)["by_admin"] for e in entries] == [True]


async def test_a_webhook_endpoint_for_a_region_that_does_not_exist_is_refused(stack: Stack) -> None:
    before = await stack.client.get("/api/v1/notifications/endpoints", headers=stack.admin)
    answer = await stack.client.post(
        "/api/v1/notifications/endpoints",
        json={"region": "KZ-02", "url": "https://police.example.kz/hook", "generate_secret": True},
        headers=stack.admin,
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    after = await stack.client.get("/api/v1/notifications/endpoints", headers=stack.admin)
    assert items_of(after) == items_of(before)
