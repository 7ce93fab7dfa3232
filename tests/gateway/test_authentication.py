"""Logging in: passwords, throttling, access tokens, API keys and the web session cookie."""

from __future__ import annotations

import base64
import json

from jsonschema import Draft202012Validator

from gateway.auth import csrf_token, issue_access_token, read_access_token
from gateway.openapi_shape import PROBLEM_SCHEMA
from tests.support.checks import assert_problem, items_of
from tests.support.gateway import Stack

TOKEN = "/api/v1/auth/token"


async def test_a_user_logs_in_and_reads_their_own_account(stack: Stack) -> None:
    headers = await stack.login_as(
        "aigerim", roles=["mediator"], regions=["KZ-75"], lang="ru", full_name="Aigerim S."
    )
    me = await stack.client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "aigerim"
    assert (body["roles"], body["regions"], body["lang"]) == (["mediator"], ["KZ-75"], "ru")
    assert body["authenticated_by"] == "bearer"
    assert "password" not in json.dumps(body)


async def test_token_refusals_are_oauth2_errors_and_problem_details(stack: Stack) -> None:
    await stack.create_user("bolat", roles=["analyst"], password="right-password")
    wrong, right = {"password": "wrong-password"}, {"password": "right-password"}
    refusals = [  # (form, problem kind, RFC 6749 error)
        ({"username": "bolat", **wrong}, "invalid-credentials", "invalid_grant"),
        ({"username": "nobody", **wrong}, "invalid-credentials", "invalid_grant"),
        ({"username": "bolat"}, "validation-error", "invalid_request"),
        (
            {"grant_type": "client_credentials", "username": "bolat", **right},
            "unsupported-grant-type",
            "unsupported_grant_type",
        ),
    ]
    bodies = []
    for n, (form, kind, error) in enumerate(refusals):
        async with stack.client_from(f"198.51.100.{n + 1}") as client:
            answer = await client.post(TOKEN, data=form)
        body = assert_problem(answer, 400, kind)
        Draft202012Validator(PROBLEM_SCHEMA).validate(body)
        assert (body["title"], body["status"]) == ("Bad Request", 400)
        assert (body["error"], body["error_description"]) == (error, body["detail"])
        assert "www-authenticate" not in answer.headers  # 401 is for client authentication
        assert (answer.headers["cache-control"], answer.headers["pragma"]) == (
            "no-store",
            "no-cache",
        )
        bodies.append({k: v for k, v in body.items() if k not in ("instance", "request_id")})
    assert bodies[0] == bodies[1]  # an unknown user and a wrong password: one answer
    assert ["body", "password"] in [e["loc"] for e in bodies[2]["errors"]]
    explicit = {"grant_type": "password", "username": "bolat", **right}
    granted = await stack.client.post(TOKEN, data=explicit)
    assert granted.status_code == 200
    # RFC 6749 §5.1: a token is never kept by a cache
    assert (granted.headers["cache-control"], granted.headers["pragma"]) == ("no-store", "no-cache")


async def test_an_expired_access_token_is_refused(stack: Stack) -> None:
    user = await stack.create_user("farida", roles=["mediator"], regions=["KZ-75"])
    keys = stack.client.app.state.keys  # type: ignore[attr-defined]
    expired = issue_access_token(keys, stack.settings, user["id"], 0, seconds=-30)
    answer = await stack.client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401
    assert answer.json()["type"] == "urn:kelisim:problem:token-expired"


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_a_tampered_access_token_is_refused(stack: Stack) -> None:
    headers = await stack.login_as("gulnar", roles=["coordinator"], regions=["KZ-75"])
    token = headers["Authorization"].removeprefix("Bearer ")
    for bad in (_tamper(token), token[:-4] + "AAAA", "not-a-token"):
        answer = await stack.client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert answer.status_code == 401, bad
        assert answer.json()["type"] == "urn:kelisim:problem:invalid-token"
        proxied = await stack.client.get(
            "/api/v1/cases", headers={"Authorization": f"Bearer {bad}"}
        )
        assert proxied.status_code == 401


async def test_no_credentials_get_401_everywhere(stack: Stack) -> None:
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/cases", "/api/v1/notifications/feed"):
        answer = await stack.client.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["WWW-Authenticate"] == "Bearer"


async def test_a_password_reset_ends_earlier_tokens(stack: Stack) -> None:
    user = await stack.create_user(
        "hamit", roles=["mediator"], regions=["KZ-75"], password="first-password"
    )
    old = await stack.login("hamit", "first-password")
    assert (await stack.client.get("/api/v1/me", headers=old)).status_code == 200
    await stack.client.post(
        f"/api/v1/users/{user['id']}/password",
        json={"password": "second-password"},
        headers=stack.admin,
    )
    assert (await stack.client.get("/api/v1/me", headers=old)).status_code == 401
    assert (
        await stack.client.get("/api/v1/me", headers=await stack.login("hamit", "second-password"))
    ).status_code == 200


async def test_a_deactivated_user_cannot_log_in_or_use_a_token(stack: Stack) -> None:
    user = await stack.create_user(
        "ilyas", roles=["mediator"], regions=["KZ-75"], password="ilyas-password"
    )
    headers = await stack.login("ilyas", "ilyas-password")
    off = await stack.client.post(f"/api/v1/users/{user['id']}/deactivate", headers=stack.admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await stack.client.get("/api/v1/me", headers=headers)).status_code == 401
    login = await stack.client.post(TOKEN, data={"username": "ilyas", "password": "ilyas-password"})
    assert assert_problem(login, 400, "account-inactive")["error"] == "invalid_grant"


async def test_a_personal_api_key_is_shown_once_and_works_until_revoked(stack: Stack) -> None:
    headers = await stack.login_as("liaison-almaty", roles=["liaison"], regions=["KZ-75"])
    created = await stack.client.post(
        "/api/v1/me/api-keys", json={"name": "police system"}, headers=headers
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("kls_") and len(key) > 40

    listed = items_of(await stack.client.get("/api/v1/me/api-keys", headers=headers))
    assert [k["name"] for k in listed] == ["police system"]
    assert key not in json.dumps(listed)

    by_key = {"Authorization": f"Bearer {key}"}
    me = await stack.client.get("/api/v1/me", headers=by_key)
    assert me.json()["username"] == "liaison-almaty"
    assert me.json()["authenticated_by"] == "api_key"

    feed = await stack.client.get("/api/v1/notifications/feed", headers=by_key)
    assert feed.status_code == 200, feed.text
    elsewhere = await stack.client.get("/api/v1/notifications", headers=by_key)
    assert elsewhere.status_code == 403
    assert (await stack.client.get("/api/v1/cases", headers=by_key)).status_code == 403
    # A key cannot mint more keys or manage accounts.
    assert (
        await stack.client.post("/api/v1/me/api-keys", json={"name": "x"}, headers=by_key)
    ).status_code == 403

    revoked = await stack.client.delete(
        f"/api/v1/me/api-keys/{created.json()['id']}", headers=headers
    )
    assert revoked.status_code == 204
    after = await stack.client.get("/api/v1/notifications/feed", headers=by_key)
    assert after.status_code == 401
    assert after.json()["type"] == "urn:kelisim:problem:invalid-api-key"


async def test_nobody_revokes_another_users_api_key(stack: Stack) -> None:
    owner = await stack.login_as("kuanysh", roles=["coordinator"], regions=["KZ-75"])
    other = await stack.login_as("laura", roles=["coordinator"], regions=["KZ-75"])
    created = (
        await stack.client.post("/api/v1/me/api-keys", json={"name": "mine"}, headers=owner)
    ).json()
    answer = await stack.client.delete(f"/api/v1/me/api-keys/{created['id']}", headers=other)
    assert answer.status_code == 404
    me = await stack.client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['key']}"})
    assert me.status_code == 200


def _cookie(answer, name: str) -> tuple[str, str]:
    header = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(name + "="))
    return header.split(";", 1)[0].split("=", 1)[1], header.lower()


async def test_the_web_session_cookie_is_protected_and_needs_csrf_tokens(stack: Stack) -> None:
    await stack.create_user("madina", roles=["council_member"], password="madina-password")
    form = {"username": "madina", "password": "madina-password", "next": "/councils"}

    no_csrf = await stack.client.post("/login", data={**form, "csrf_token": "forged"})
    assert no_csrf.status_code == 403  # a page for browsers, problem details otherwise
    assert "kelisim_session" not in no_csrf.headers.get("set-cookie", "")

    login = await stack.client.post(
        "/login",
        data={**form, "csrf_token": "t0ken"},
        headers={"Cookie": "kelisim_login_csrf=t0ken"},
    )
    assert login.status_code == 303
    assert login.headers["location"] == "/councils"
    session, flags = _cookie(login, "kelisim_session")
    assert "httponly" in flags and "samesite=lax" in flags and "secure" in flags

    cookie = {"Cookie": f"kelisim_session={session}"}
    me = await stack.client.get("/api/v1/me", headers=cookie)
    assert me.status_code == 200 and me.json()["authenticated_by"] == "session"

    refused = await stack.client.post("/api/v1/me/api-keys", json={"name": "k"}, headers=cookie)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:kelisim:problem:csrf-failed"

    keys = stack.client.app.state.keys  # type: ignore[attr-defined]
    jti = read_access_token(keys, stack.settings, session, kind="session")["jti"]
    token = csrf_token(keys, jti)
    allowed = await stack.client.post(
        "/api/v1/me/api-keys", json={"name": "k"}, headers={**cookie, "X-CSRF-Token": token}
    )
    assert allowed.status_code == 201

    bad_logout = await stack.client.post("/logout", data={"csrf_token": "nope"}, headers=cookie)
    assert bad_logout.status_code == 403
    logout = await stack.client.post("/logout", data={"csrf_token": token}, headers=cookie)
    assert logout.status_code == 303
    assert _cookie(logout, "kelisim_session")[0] in ('""', "")


async def test_a_login_form_never_redirects_off_site(stack: Stack) -> None:
    await stack.create_user("nurlan", roles=["analyst"], password="nurlan-password")
    login = await stack.client.post(
        "/login",
        data={
            "username": "nurlan",
            "password": "nurlan-password",
            "csrf_token": "c",
            "next": "//evil.example",
        },
        headers={"Cookie": "kelisim_login_csrf=c"},
    )
    assert login.status_code == 303
    assert login.headers["location"] == "/"
