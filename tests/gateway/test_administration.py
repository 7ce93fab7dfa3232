"""Administration: admins manage accounts; every change is audited and announced."""

from __future__ import annotations

import asyncio
import json

import nats
from sqlalchemy import func, select

from gateway.models import backbone
from kelisim import audit
from tests.support.checks import assert_problem
from tests.support.gateway import Stack


def _engine(stack: Stack):  # type: ignore[no-untyped-def]
    return stack.client.app.state.ctx.engine  # type: ignore[attr-defined]


def _audit_count(stack: Stack) -> int:
    with _engine(stack).connect() as conn:
        return conn.execute(select(func.count()).select_from(backbone.audit_log)).scalar_one()


async def _last_upsert(stack: Stack, user_id: str, **expected: object) -> dict:
    """The newest identity.user.upserted event about `user_id` matching `expected`, polled."""
    nc = await nats.connect(stack.settings.nats_url)
    try:
        js = nc.jetstream()
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            try:
                msg = await js.get_last_msg("IDENTITY", "identity.user.upserted")
                data = json.loads(msg.data)["data"]
                if data["user_id"] == user_id and all(data[k] == v for k, v in expected.items()):
                    return data
            except nats.js.errors.NotFoundError:
                pass
            assert asyncio.get_running_loop().time() < deadline, "event never arrived"
            await asyncio.sleep(0.05)
    finally:
        await nc.close()


async def test_an_admin_creates_a_user_who_is_announced_to_the_other_services(stack: Stack):
    council = await stack.client.post(
        "/api/v1/councils",
        json={"name": "Алматы кеңесі", "level": "region", "region": "KZ-75"},
        headers=stack.admin,
    )
    assert council.status_code == 201, council.text
    council_id = council.json()["id"]
    created = await stack.client.post(
        "/api/v1/users",
        json={
            "username": "asel",
            "password": "asel-password",
            "full_name": "Asel Nurlanovna",
            "email": "asel@example.kz",
            "lang": "kk",
            "roles": ["council_secretary", "council_member"],
            "regions": ["KZ-75", "KZ-71"],
            "councils": [council_id],
        },
        headers=stack.admin,
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["Location"] == f"/api/v1/users/{user['id']}"
    assert user["regions"] == ["KZ-71", "KZ-75"]
    assert "password" not in json.dumps(user) and "hash" not in json.dumps(user)

    event = await _last_upsert(stack, user["id"])
    assert event == {
        "user_id": user["id"],
        "username": "asel",
        "full_name": "Asel Nurlanovna",
        "email": "asel@example.kz",
        "lang": "kk",
        "roles": ["council_member", "council_secretary"],
        "regions": ["KZ-71", "KZ-75"],
        "councils": [council_id],
        "active": True,
        "digest": False,
    }

    listed = await stack.client.get(
        "/api/v1/users", params={"username": "asel"}, headers=stack.admin
    )
    assert [u["id"] for u in listed.json()["items"]] == [user["id"]]


async def test_users_are_listed_page_by_page(stack: Stack):
    for name in ("page-a", "page-b", "page-c"):
        await stack.create_user(name, roles=["analyst"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await stack.client.get("/api/v1/users", params=params, headers=stack.admin)).json()
        assert len(page["items"]) <= 2
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert {"admin", "page-a", "page-b", "page-c"} <= set(seen)
    assert len(seen) == len(set(seen))


async def test_bad_account_data_is_refused_and_changes_nothing(stack: Stack):
    before = _audit_count(stack)
    base = {
        "username": "bad-one",
        "password": "long-enough",
        "full_name": "X",
        "roles": ["mediator"],
        "regions": ["KZ-75"],
    }
    cases = [
        ({**base, "regions": ["KZ-99"]}, 422, "validation-error"),
        ({**base, "roles": ["superuser"]}, 422, "validation-error"),
        ({**base, "lang": "de"}, 422, "validation-error"),
        ({**base, "username": "Has Spaces"}, 422, "validation-error"),
        ({**base, "password": "abc"}, 422, "weak-password"),
        ({**base, "username": "admin"}, 409, "username-taken"),
        # the actor of the system's own steps in every audit trail
        ({**base, "username": "system"}, 409, "username-taken"),
        ({**base, "full_name": "\u200b "}, 422, "validation-error"),
    ]
    for body, status, kind in cases:
        answer = await stack.client.post("/api/v1/users", json=body, headers=stack.admin)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["type"] == f"urn:kelisim:problem:{kind}"
    unknown = await stack.client.post(
        "/api/v1/users", json={**base, "regions": ["KZ-75", "KZ-00"]}, headers=stack.admin
    )
    assert "KZ-00" in unknown.text
    assert _audit_count(stack) == before
    assert (
        await stack.client.get("/api/v1/users", params={"username": "bad-one"}, headers=stack.admin)
    ).json()["items"] == []


async def test_a_regional_role_without_a_region_is_refused_and_changes_nothing(stack: Stack):
    """Least privilege: a coordinator of no region reviewed and published every region's notes."""
    kept = await stack.create_user("kept-coord", roles=["coordinator"], regions=["KZ-75"])
    national = await stack.create_user("national-analyst", roles=["analyst"])
    assert national["regions"] == []  # an analyst, an admin or a council role may have none
    before = _audit_count(stack)
    for role in ("coordinator", "mediator", "liaison"):
        body = {"username": f"no-region-{role}", "password": "long-enough", "full_name": "X"}
        for regions in ({}, {"regions": []}):
            answer = await stack.client.post(
                "/api/v1/users", json={**body, "roles": [role], **regions}, headers=stack.admin
            )
            problem = assert_problem(answer, 422, "validation-error")
            assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
                (["body", "regions"], "region_required")
            ]
    path = f"/api/v1/users/{kept['id']}"
    for change in ({"regions": []}, {"roles": ["coordinator"], "regions": []}):
        answer = await stack.client.patch(path, json=change, headers=stack.admin)
        problem = assert_problem(answer, 422, "validation-error")
        assert [e["loc"] for e in problem["errors"]] == [["body", "regions"]]
    given = await stack.client.patch(
        f"/api/v1/users/{national['id']}", json={"roles": ["liaison"]}, headers=stack.admin
    )
    assert_problem(given, 422, "validation-error")
    assert _audit_count(stack) == before
    assert (await stack.client.get(path, headers=stack.admin)).json()["regions"] == ["KZ-75"]
    for username in ("no-region-coordinator", "no-region-mediator", "no-region-liaison"):
        listed = await stack.client.get(
            "/api/v1/users", params={"username": username}, headers=stack.admin
        )
        assert listed.json()["items"] == []
    # dropping the regional role with the regions is a change like any other
    dropped = await stack.client.patch(
        path, json={"roles": ["analyst"], "regions": []}, headers=stack.admin
    )
    assert dropped.status_code == 200, dropped.text


async def test_an_account_names_only_councils_that_exist(stack: Stack):
    """The councils field took any text: `abc` was saved as a council scope."""
    council = await stack.client.post(
        "/api/v1/councils",
        json={"name": "Шымкент кеңесі", "level": "region", "region": "KZ-79"},
        headers=stack.admin,
    )
    council_id = council.json()["id"]
    body = {"password": "long-enough", "full_name": "X", "roles": ["council_member"]}
    before = _audit_count(stack)
    for scopes in (["abc"], [council_id, "abc"]):
        answer = await stack.client.post(
            "/api/v1/users",
            json={**body, "username": "member-of-abc", "councils": scopes},
            headers=stack.admin,
        )
        problem = assert_problem(answer, 422, "validation-error")
        assert [(e["loc"], e["type"], e["input"]) for e in problem["errors"]] == [
            (["body", "councils"], "unknown_council", ["abc"])
        ]
    assert _audit_count(stack) == before
    made = await stack.client.post(
        "/api/v1/users",
        json={**body, "username": "member-of-one", "councils": [council_id]},
        headers=stack.admin,
    )
    assert made.status_code == 201, made.text
    path = f"/api/v1/users/{made.json()['id']}"
    added = await stack.client.patch(
        path, json={"councils": [council_id, "abc"]}, headers=stack.admin
    )
    assert_problem(added, 422, "validation-error")
    assert (await stack.client.get(path, headers=stack.admin)).json()["councils"] == [council_id]


async def test_only_an_admin_manages_users(stack: Stack):
    coordinator = await stack.login_as("coord-no-admin", roles=["coordinator"], regions=["KZ-75"])
    target = await stack.create_user("target-user", roles=["mediator"], regions=["KZ-75"])
    before = _audit_count(stack)
    attempts = [
        ("GET", "/api/v1/users", None),
        ("GET", f"/api/v1/users/{target['id']}", None),
        ("POST", "/api/v1/users", {"username": "x1", "password": "xxxxxxxx", "full_name": "X"}),
        ("PATCH", f"/api/v1/users/{target['id']}", {"roles": ["admin"]}),
        ("POST", f"/api/v1/users/{target['id']}/deactivate", None),
        ("POST", f"/api/v1/users/{target['id']}/password", {"password": "taken-over"}),
    ]
    for method, path, body in attempts:
        answer = await stack.client.request(method, path, json=body, headers=coordinator)
        assert answer.status_code == 403, (method, path)
    assert _audit_count(stack) == before


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
    await _last_upsert(stack, user["id"], regions=["KZ-75"])

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

    with _engine(stack).connect() as conn:
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

    result = audit.verify(_engine(stack), backbone)
    assert result.ok, result
    assert result.entries >= 4

    with _engine(stack).begin() as conn:
        conn.execute(
            backbone.audit_log.update()
            .where(backbone.audit_log.c.hash == entries[1]["hash"])
            .values(actor="somebody-else")
        )
    broken = audit.verify(_engine(stack), backbone)
    assert not broken.ok and broken.problem == "entry content altered"
    with _engine(stack).begin() as conn:
        conn.execute(
            backbone.audit_log.update()
            .where(backbone.audit_log.c.hash == entries[1]["hash"])
            .values(actor="admin")
        )
    assert audit.verify(_engine(stack), backbone).ok


async def test_a_user_creation_retried_with_its_idempotency_key_creates_one_user(stack: Stack):
    body = {
        "username": "retried",
        "password": "long-enough",
        "full_name": "R",
        "roles": ["analyst"],
    }
    keyed = {**stack.admin, "Idempotency-Key": "create-retried-1"}
    before = _audit_count(stack)
    first = await stack.client.post("/api/v1/users", json=body, headers=keyed)
    again = await stack.client.post("/api/v1/users", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "Idempotent-Replayed" not in first.headers
    assert _audit_count(stack) == before + 1
    listed = await stack.client.get(
        "/api/v1/users", params={"username": "retried"}, headers=stack.admin
    )
    assert [u["id"] for u in listed.json()["items"]] == [first.json()["id"]]

    other = await stack.client.post(
        "/api/v1/users", json={**body, "full_name": "Other"}, headers=keyed
    )
    assert other.status_code == 422
    assert other.json()["type"] == "urn:kelisim:problem:idempotency-key-reused"
    assert _audit_count(stack) == before + 1


async def test_a_password_reset_retried_with_its_key_is_done_once(stack: Stack):
    user = await stack.create_user("reset-once", roles=["analyst"])
    keyed = {**stack.admin, "Idempotency-Key": "reset-once-1"}
    path = f"/api/v1/users/{user['id']}/password"
    before = _audit_count(stack)
    first = await stack.client.post(path, json={"password": "another-long-one"}, headers=keyed)
    again = await stack.client.post(path, json={"password": "another-long-one"}, headers=keyed)
    assert first.status_code == again.status_code == 204
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _audit_count(stack) == before + 2  # the reset and the sessions it ended, once
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
