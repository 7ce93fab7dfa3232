"""Administration: admins create accounts, announced to the other services; bad account data
is refused and changes nothing, and only an admin manages users."""

from __future__ import annotations

import json

from sqlmodel import Session

from gateway.models import User
from tests.gateway.support import audit_count, engine_of, last_upsert
from tests.support.checks import assert_problem
from tests.support.gateway import Stack


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

    event = await last_upsert(stack, user["id"])
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
    before = audit_count(stack)
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
    assert audit_count(stack) == before
    assert (
        await stack.client.get("/api/v1/users", params={"username": "bad-one"}, headers=stack.admin)
    ).json()["items"] == []


async def test_a_regional_role_without_a_region_is_refused_and_changes_nothing(stack: Stack):
    """Least privilege: a coordinator of no region reviewed and published every region's notes."""
    kept = await stack.create_user("kept-coord", roles=["coordinator"], regions=["KZ-75"])
    national = await stack.create_user("national-analyst", roles=["analyst"])
    assert national["regions"] == []  # an analyst, an admin or a council role may have none
    before = audit_count(stack)
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
    assert audit_count(stack) == before
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


async def test_roles_the_mission_keeps_apart_are_refused_on_one_account(stack: Stack):
    """A liaison who is also an admin, an analyst who is also a mediator: the QA session saved
    both, and the analyst then read the parties of the cases."""
    body = {"password": "long-enough", "full_name": "X", "regions": ["KZ-75"]}
    refused = {
        ("liaison", "admin"): "liaison_alone",
        ("liaison", "analyst"): "liaison_alone",
        ("liaison", "coordinator"): "liaison_alone",
        ("analyst", "mediator"): "analyst_without_persons",
        ("analyst", "coordinator"): "analyst_without_persons",
        ("admin", "analyst"): "analyst_without_persons",
        ("analyst", "council_member"): "analyst_without_persons",
        ("analyst", "council_secretary"): "analyst_without_persons",
    }
    kept = await stack.create_user("apart-analyst", roles=["analyst"], regions=["KZ-75"])
    before = audit_count(stack)
    for roles, kind in refused.items():
        username = "apart-" + "-".join(roles).replace("_", "-")
        answer = await stack.client.post(
            "/api/v1/users",
            json={**body, "username": username, "roles": list(roles)},
            headers=stack.admin,
        )
        problem = assert_problem(answer, 422, "validation-error")
        assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(["body", "roles"], kind)]
        listed = await stack.client.get(
            "/api/v1/users", params={"username": username}, headers=stack.admin
        )
        assert listed.json()["items"] == []
    path = f"/api/v1/users/{kept['id']}"
    added = await stack.client.patch(
        path, json={"roles": ["analyst", "mediator"]}, headers=stack.admin
    )
    assert_problem(added, 422, "validation-error")
    assert (await stack.client.get(path, headers=stack.admin)).json()["roles"] == ["analyst"]
    assert audit_count(stack) == before
    # roles that see the same people share an account as before
    for roles in (["admin", "coordinator"], ["mediator", "council_member"], ["analyst"]):
        username = "together-" + "-".join(roles).replace("_", "-")
        answer = await stack.client.post(
            "/api/v1/users",
            json={**body, "username": username, "roles": roles},
            headers=stack.admin,
        )
        assert answer.status_code == 201, answer.text


async def test_an_account_saved_before_the_separation_keeps_working_until_its_roles_change(
    stack: Stack,
):
    made = await stack.create_user("legacy-liaison", roles=["liaison"], regions=["KZ-75"])
    with Session(engine_of(stack)) as db:  # as it was saved before the rule
        account = db.get(User, made["id"])
        assert account is not None
        account.roles = ["admin", "liaison"]
        db.add(account)
        db.commit()
    path = f"/api/v1/users/{made['id']}"
    same = await stack.client.patch(
        path, json={"roles": ["liaison", "admin"], "lang": "ru"}, headers=stack.admin
    )
    assert same.status_code == 200, same.text
    assert (same.json()["roles"], same.json()["lang"]) == (["admin", "liaison"], "ru")
    still = await stack.client.patch(
        path, json={"roles": ["admin", "liaison", "analyst"]}, headers=stack.admin
    )
    assert_problem(still, 422, "validation-error")
    parted = await stack.client.patch(path, json={"roles": ["liaison"]}, headers=stack.admin)
    assert parted.status_code == 200 and parted.json()["roles"] == ["liaison"]


async def test_an_account_names_only_councils_that_exist(stack: Stack):
    """The councils field took any text: `abc` was saved as a council scope."""
    council = await stack.client.post(
        "/api/v1/councils",
        json={"name": "Шымкент кеңесі", "level": "region", "region": "KZ-79"},
        headers=stack.admin,
    )
    council_id = council.json()["id"]
    body = {"password": "long-enough", "full_name": "X", "roles": ["council_member"]}
    before = audit_count(stack)
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
    assert audit_count(stack) == before
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
    before = audit_count(stack)
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
    assert audit_count(stack) == before
