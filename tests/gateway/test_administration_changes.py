"""Administration: a change to an account applies at the next call and is audited and
announced; a retried request is done once, and a password enters no fingerprint in clear."""

from __future__ import annotations

import json

from gateway.models import backbone
from kelisim import audit
from tests.gateway.support import audit_count, engine_of, last_upsert
from tests.support.gateway import Stack


async def test_a_role_or_scope_change_applies_to_the_next_call(stack: Stack):
    user = await stack.create_user(
        "moving-mediator", roles=["mediator"], regions=["KZ-11"], password="move-password"
    )
    headers = await stack.login("moving-mediator", "move-password")
    body = {"region": "KZ-75", "category": "family"}
    assert (await stack.client.post("/api/v1/cases", json=body, headers=headers)).status_code == 403

    current = await stack.client.get(f"/api/v1/users/{user['id']}", headers=stack.admin)
    changed = await stack.client.patch(
        f"/api/v1/users/{user['id']}",
        json={"regions": ["KZ-75"]},
        headers={**stack.admin, "If-Match": current.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["regions"] == ["KZ-75"]
    assert (await stack.client.post("/api/v1/cases", json=body, headers=headers)).status_code == 201
    await last_upsert(stack, user["id"], regions=["KZ-75"])

    stale = await stack.client.patch(
        f"/api/v1/users/{user['id']}",
        json={"regions": ["KZ-11"]},
        headers={**stack.admin, "If-Match": current.headers["ETag"]},
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:kelisim:problem:precondition-failed"

    dropped = await stack.client.patch(
        f"/api/v1/users/{user['id']}", json={"roles": ["analyst"]}, headers=stack.admin
    )
    assert dropped.status_code == 200
    assert (await stack.client.post("/api/v1/cases", json=body, headers=headers)).status_code == 403


async def test_an_admin_cannot_lock_themselves_out(stack: Stack):
    me = (await stack.client.get("/api/v1/me", headers=stack.admin)).json()
    for attempt in (
        stack.client.post(f"/api/v1/users/{me['id']}/deactivate", headers=stack.admin),
        stack.client.patch(
            f"/api/v1/users/{me['id']}", json={"roles": ["analyst"]}, headers=stack.admin
        ),
    ):
        answer = await attempt
        assert answer.status_code == 409
        assert answer.json()["type"] == "urn:kelisim:problem:self-lockout"


async def test_every_admin_change_is_in_the_audit_log_and_the_chain_verifies(stack: Stack):
    user = await stack.create_user("audited", roles=["mediator"], regions=["KZ-75"])
    path = f"/api/v1/users/{user['id']}"
    await stack.client.patch(
        path, json={"full_name": "Audited Person", "lang": "en"}, headers=stack.admin
    )
    await stack.client.post(
        f"{path}/password", json={"password": "another-one"}, headers=stack.admin
    )
    await stack.client.post(f"{path}/deactivate", headers=stack.admin)

    with engine_of(stack).connect() as conn:
        entries = audit.history(conn, backbone, "user", user["id"])
    # A password reset and a deactivation also end the account's sessions, audited as such.
    assert [e["action"] for e in entries] == [
        "user.created",
        "user.updated",
        "session.revoked_all",
        "user.password_reset",
        "session.revoked_all",
        "user.deactivated",
    ]
    assert {e["actor"] for e in entries} == {"admin"}
    updated = entries[1]
    assert (updated["before"]["full_name"], updated["after"]["full_name"]) == (
        "Audited",
        "Audited Person",
    )
    assert (updated["before"]["lang"], updated["after"]["lang"]) == ("kk", "en")
    # No password in the trail: only the action and the sessions' reason name one.
    named = json.dumps(entries).replace("password_reset", "").replace('"password-reset"', "")
    assert "password" not in named

    result = audit.verify(engine_of(stack), backbone)
    assert result.ok, result
    assert result.entries >= 4

    with engine_of(stack).begin() as conn:
        conn.execute(
            backbone.audit_log.update()
            .where(backbone.audit_log.c.hash == entries[1]["hash"])
            .values(actor="somebody-else")
        )
    broken = audit.verify(engine_of(stack), backbone)
    assert not broken.ok and broken.problem == "entry content altered"
    with engine_of(stack).begin() as conn:
        conn.execute(
            backbone.audit_log.update()
            .where(backbone.audit_log.c.hash == entries[1]["hash"])
            .values(actor="admin")
        )
    assert audit.verify(engine_of(stack), backbone).ok


async def test_a_user_creation_retried_with_its_idempotency_key_creates_one_user(stack: Stack):
    body = {
        "username": "retried",
        "password": "long-enough",
        "full_name": "R",
        "roles": ["analyst"],
    }
    keyed = {**stack.admin, "Idempotency-Key": "create-retried-1"}
    before = audit_count(stack)
    first = await stack.client.post("/api/v1/users", json=body, headers=keyed)
    again = await stack.client.post("/api/v1/users", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "Idempotent-Replayed" not in first.headers
    assert audit_count(stack) == before + 1
    listed = await stack.client.get(
        "/api/v1/users", params={"username": "retried"}, headers=stack.admin
    )
    assert [u["id"] for u in listed.json()["items"]] == [first.json()["id"]]

    other = await stack.client.post(
        "/api/v1/users", json={**body, "full_name": "Other"}, headers=keyed
    )
    assert other.status_code == 422
    assert other.json()["type"] == "urn:kelisim:problem:idempotency-key-reused"
    assert audit_count(stack) == before + 1


async def test_a_password_reset_retried_with_its_key_is_done_once(stack: Stack):
    user = await stack.create_user("reset-once", roles=["analyst"])
    keyed = {**stack.admin, "Idempotency-Key": "reset-once-1"}
    path = f"/api/v1/users/{user['id']}/password"
    before = audit_count(stack)
    first = await stack.client.post(path, json={"password": "another-long-one"}, headers=keyed)
    again = await stack.client.post(path, json={"password": "another-long-one"}, headers=keyed)
    assert first.status_code == again.status_code == 204
    assert again.headers["Idempotent-Replayed"] == "true"
    assert audit_count(stack) == before + 2  # the reset and the sessions it ended, once
    other = await stack.client.post(path, json={"password": "a-third-long-one"}, headers=keyed)
    assert other.status_code == 422
    assert await stack.login("reset-once", "another-long-one")


def test_a_password_enters_a_fingerprint_only_keyed():
    from gateway.identity.api.users import CreateUser, ResetPassword
    from gateway.schemas import PasswordReset, UserCreate
    from kelisim.auth import Principal
    from kelisim.commands import fingerprint_of

    admin = Principal(sub="admin", user_id="u-admin")
    body = UserCreate(username="fp-user", password="plain-secret-1", full_name="F", roles=[])
    created = CreateUser(
        principal=admin,
        body=body,
        profile=body.model_dump(mode="json", exclude={"password"}),
        password_mac="mac-1",
    )
    reset = ResetPassword(
        principal=admin,
        user_id="u-1",
        body=PasswordReset(password="plain-secret-2"),
        password_mac="mac-2",
    )
    for cmd, secret, mac in (
        (created, b"plain-secret-1", b"mac-1"),
        (reset, b"plain-secret-2", b"mac-2"),
    ):
        printed = fingerprint_of(cmd)
        assert secret not in printed
        assert mac in printed
    assert b"fp-user" in fingerprint_of(created)
