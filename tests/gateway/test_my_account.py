"""My account: a person changes their own language, e-mail digest and password, nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session as DbSession

from gateway.models import backbone
from kelisim import audit
from services.notifications.models import Recipient
from tests.support.checks import assert_problem, eventually
from tests.support.gateway import Stack

REGION = "KZ-75"


def _history(stack: Stack, user_id: str) -> list[dict]:
    with stack.client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        return audit.history(conn, backbone, "user", user_id)


def _digest_of(stack: Stack, username: str) -> bool | None:
    """The notifications service's recipient directory: does it fold this person's e-mails?"""
    ctx = stack.services["notifications"].app.state.ctx  # type: ignore[attr-defined]
    with DbSession(ctx.engine) as db:
        person = db.get(Recipient, username)
        return None if person is None else person.digest


async def test_a_mediator_switches_on_the_digest_and_the_notifications_service_folds_mails(
    stack: Stack,
):
    user = await stack.create_user("m-digest", roles=["mediator"], regions=[REGION])
    headers = await stack.login("m-digest", "user-password-1")
    assert (await stack.client.get("/api/v1/me", headers=headers)).json()["email_digest"] is False
    await eventually(lambda: _digest_of(stack, "m-digest") is False, what="the recipient")

    changed = await stack.client.patch(
        "/api/v1/me", json={"lang": "ru", "email_digest": True}, headers=headers
    )

    assert changed.status_code == 200, changed.text
    assert (changed.json()["lang"], changed.json()["email_digest"]) == ("ru", True)
    me = (await stack.client.get("/api/v1/me", headers=headers)).json()
    assert (me["lang"], me["email_digest"]) == ("ru", True)
    entry = _history(stack, user["id"])[-1]
    assert (entry["action"], entry["actor"]) == ("user.updated", "m-digest")
    assert entry["before"]["email_digest"] is False and entry["after"]["email_digest"] is True
    await eventually(lambda: _digest_of(stack, "m-digest"), what="the digest in the directory")
    # the admin sees it, and may switch it off for them
    shown = await stack.client.get(f"/api/v1/users/{user['id']}", headers=stack.admin)
    assert shown.json()["email_digest"] is True
    off = await stack.client.patch(
        f"/api/v1/users/{user['id']}", json={"email_digest": False}, headers=stack.admin
    )
    assert off.status_code == 200 and off.json()["email_digest"] is False
    await eventually(lambda: _digest_of(stack, "m-digest") is False, what="the digest off")


async def test_a_person_cannot_give_themselves_roles_regions_or_councils(stack: Stack):
    user = await stack.create_user("m-modest", roles=["mediator"], regions=[REGION])
    headers = await stack.login("m-modest", "user-password-1")
    trail = _history(stack, user["id"])

    for body in (
        {"roles": ["admin"]},
        {"lang": "en", "regions": ["KZ-71"]},
        {"email_digest": True, "councils": ["c1"]},
        {"active": False},
        {"full_name": "Somebody Else"},
    ):
        refused = await stack.client.patch("/api/v1/me", json=body, headers=headers)
        assert_problem(refused, 422, "validation-error")

    me = (await stack.client.get("/api/v1/me", headers=headers)).json()
    assert (me["roles"], me["regions"], me["lang"], me["email_digest"]) == (
        ["mediator"],
        [REGION],
        "kk",
        False,
    )
    assert _history(stack, user["id"]) == trail


async def test_an_api_key_cannot_change_the_account(stack: Stack):
    await stack.create_user("m-keyed", roles=["mediator"], regions=[REGION])
    headers = await stack.login("m-keyed", "user-password-1")
    made = await stack.client.post("/api/v1/me/api-keys", json={"name": "feed"}, headers=headers)
    key = {"Authorization": f"Bearer {made.json()['key']}"}
    refused = await stack.client.patch("/api/v1/me", json={"lang": "en"}, headers=key)
    assert_problem(refused, 403, "api-key-not-allowed")
    body = {"current_password": "user-password-1", "new_password": "another-password-2"}
    refused = await stack.client.post("/api/v1/me/password", json=body, headers=key)
    assert_problem(refused, 403, "api-key-not-allowed")


async def test_a_wrong_current_password_changes_nothing(stack: Stack):
    user = await stack.create_user("m-forgetful", roles=["mediator"], regions=[REGION])
    headers = await stack.login("m-forgetful", "user-password-1")
    before = _history(stack, user["id"])

    body = {"current_password": "not-my-password", "new_password": "brand-new-password"}
    refused = await stack.client.post("/api/v1/me/password", json=body, headers=headers)

    problem = assert_problem(refused, 422, "wrong-current-password")
    assert problem["errors"][0]["loc"] == ["body", "current_password"]
    assert (await stack.client.get("/api/v1/me", headers=headers)).status_code == 200
    assert _history(stack, user["id"]) == before
    await stack.login("m-forgetful", "user-password-1")
    weak = {"current_password": "user-password-1", "new_password": "abc"}
    assert_problem(
        await stack.client.post("/api/v1/me/password", json=weak, headers=headers),
        422,
        "weak-password",
    )
    assert _history(stack, user["id"]) == before


@pytest.fixture
def minute_delays(stack: Stack) -> Iterator[None]:
    """Delays from a minute up, so that a loaded machine's slow hashing cannot outlast one."""
    settings = stack.settings  # the very settings object the running gateway reads
    base = settings.login_delay_base_seconds
    settings.login_delay_base_seconds = 60.0
    yield
    settings.login_delay_base_seconds = base


@pytest.mark.usefixtures("minute_delays")
async def test_guessing_through_the_password_form_is_slowed_as_at_the_login(stack: Stack):
    await stack.create_user("m-guessed", roles=["mediator"], regions=[REGION])
    headers = await stack.login("m-guessed", "user-password-1")
    guess = {"current_password": "guess", "new_password": "brand-new-password"}
    for _ in range(stack.settings.login_free_attempts):
        refused = await stack.client.post("/api/v1/me/password", json=guess, headers=headers)
        assert_problem(refused, 422, "wrong-current-password")
    # now even the right password waits: the form is no faster a guesser than the login
    right = {"current_password": "user-password-1", "new_password": "brand-new-password"}
    slowed = await stack.client.post("/api/v1/me/password", json=right, headers=headers)
    assert_problem(slowed, 429, "too-many-login-attempts")
    assert int(slowed.headers["Retry-After"]) >= 1
    assert (await stack.client.get("/api/v1/me", headers=headers)).status_code == 200


async def test_a_changed_password_ends_the_other_tokens_and_the_old_password(stack: Stack):
    user = await stack.create_user("m-careful", roles=["mediator"], regions=[REGION])
    headers = await stack.login("m-careful", "user-password-1")
    other_device = await stack.login("m-careful", "user-password-1")

    body = {"current_password": "user-password-1", "new_password": "brand-new-password"}
    changed = await stack.client.post("/api/v1/me/password", json=body, headers=headers)

    assert changed.status_code == 204, changed.text
    for old in (headers, other_device):
        assert_problem(await stack.client.get("/api/v1/me", headers=old), 401, "invalid-token")
    await stack.login("m-careful", "brand-new-password")
    refused = await stack.client.post(
        "/api/v1/auth/token", data={"username": "m-careful", "password": "user-password-1"}
    )
    assert refused.status_code == 400, refused.text
    entries = [e for e in _history(stack, user["id"]) if e["action"] == "user.password_changed"]
    assert len(entries) == 1 and entries[0]["actor"] == "m-careful"
    assert set(entries[0]["after"]) == {"token_epoch"}  # never the password, nor its hash
