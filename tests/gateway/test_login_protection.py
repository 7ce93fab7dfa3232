"""Login protection: guessing is slowed per account and per address, never the rightful user.

The whole system in-process (real databases, real nats-server); each attacker calls from
its own client address, as the gateway sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import select

from kelisim.settings import Settings
from tests.support.checks import assert_problem, eventually
from tests.support.gateway import ADMIN, Stack, running_gateway

TOKEN = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def minute_delays(stack: Stack) -> Iterator[None]:
    """Delays from a minute up, so that a loaded machine's slow hashing cannot outlast one."""
    settings = stack.settings  # the very settings object the running gateway reads
    base = settings.login_delay_base_seconds
    settings.login_delay_base_seconds = 60.0
    yield
    settings.login_delay_base_seconds = base


async def attempt(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, data={"username": username, "password": password})


def comparable(answer: httpx.Response) -> tuple[int, dict, dict]:
    """What a caller can observe of a refusal, minus what differs per request."""
    body = {k: v for k, v in answer.json().items() if k not in ("instance", "request_id")}
    headers = {
        k: "(seconds)" if k == "retry-after" else v  # counts down, so not compared as such
        for k, v in answer.headers.items()
        if k in ("content-type", "www-authenticate", "retry-after")
    }
    return answer.status_code, body, headers


async def test_an_unknown_user_and_a_wrong_password_get_identical_answers(stack: Stack):
    await stack.create_user("bolat", roles=["analyst"], password="right-password-1")
    async with stack.client_from("198.51.100.31") as a, stack.client_from("198.51.100.32") as b:
        for _ in range(stack.settings.login_free_attempts):
            known = await attempt(a, "bolat", "wrong-password")
            unknown = await attempt(b, "no-such-user", "wrong-password")
            assert assert_problem(known, 400, "invalid-credentials")["error"] == "invalid_grant"
            assert comparable(known) == comparable(unknown)
        # The next attempt of each comes before its wait is over: the same 429 for both.
        known, unknown = await attempt(a, "bolat", "x"), await attempt(b, "no-such-user", "x")
        assert assert_problem(known, 429, "too-many-login-attempts")["error"] == "invalid_grant"
        assert comparable(known) == comparable(unknown)
        assert 0 < int(known.headers["retry-after"]) <= 60


async def test_the_admin_still_logs_in_after_an_attackers_50_failures(stack: Stack):
    async with stack.client_from("203.0.113.66") as attacker:
        answers = [await attempt(attacker, ADMIN[0], f"guess-{i}") for i in range(50)]
    statuses = [a.status_code for a in answers]
    assert statuses[: stack.settings.login_free_attempts] == [400] * 3
    assert set(statuses[3:]) == {429}  # slowed down: the rest were not even evaluated
    async with stack.client_from("192.0.2.200") as rightful:  # an address never used before
        assert (await attempt(rightful, *ADMIN)).status_code == 200


async def test_a_distributed_guess_slows_new_addresses_only_and_tells_the_admins(stack: Stack):
    await stack.create_user(
        "dana", roles=["mediator"], regions=["KZ-75"], password="dana-password-1"
    )
    async with stack.client_from("192.0.2.10") as dana_pc:  # dana's own computer
        assert (await attempt(dana_pc, "dana", "dana-password-1")).status_code == 200
    burst = stack.settings.login_account_free_attempts
    for n in range(burst):  # one guess from each of many addresses
        async with stack.client_from(f"100.100.0.{n + 1}") as bot:
            assert (await attempt(bot, "dana", f"guess-{n}")).status_code == 400
    async with stack.client_from("100.100.1.1") as newcomer:
        slowed = await attempt(newcomer, "dana", "dana-password-1")
        assert_problem(slowed, 429, "too-many-login-attempts")
    async with stack.client_from("192.0.2.10") as dana_pc:
        assert (await attempt(dana_pc, "dana", "dana-password-1")).status_code == 200

    # Every failure is audited; the burst reached the admins' inbox.
    from gateway.models import backbone

    engine = stack.client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        log_t = backbone.audit_log
        actions = conn.execute(
            select(log_t.c.action).where(log_t.c.entity == "login", log_t.c.entity_id == "dana")
        ).scalars().all()  # fmt: skip
    assert actions.count("login.failed") == burst and actions.count("login.burst") == 1

    async def told() -> list:
        inbox = await stack.client.get("/api/v1/notifications/inbox", headers=stack.admin)
        items = inbox.json()["items"] if inbox.status_code == 200 else []
        return [i for i in items if i["topic"] == "identity.login.burst_detected"]

    (note,) = await eventually(told, what="the admins told of the burst")
    assert "dana" in note["title"]


async def test_the_client_address_comes_from_a_trusted_proxy_only(
    make_settings: Callable[..., Settings], clean_nats: str
):
    # The test client calls from 203.0.113.7 (running_gateway): that is the trusted proxy.
    settings = make_settings(
        admin_username=ADMIN[0],
        admin_password=ADMIN[1],
        forwarded_allow_ips="203.0.113.7",
        login_delay_base_seconds=60.0,
    )
    async with running_gateway(settings) as proxy:
        behind = {"X-Forwarded-For": "198.51.100.77"}
        for _ in range(settings.login_free_attempts):
            await proxy.post(TOKEN, data={"username": "admin", "password": "x"}, headers=behind)
        slowed = await proxy.post(
            TOKEN, data={"username": "admin", "password": "x"}, headers=behind
        )
        assert slowed.status_code == 429  # the forwarded address is the one slowed down
        other = await proxy.post(
            TOKEN, data={"username": "admin", "password": ADMIN[1]},
            headers={"X-Forwarded-For": "198.51.100.78"},
        )  # fmt: skip
        assert other.status_code == 200

    untrusted = settings.model_copy(update={"forwarded_allow_ips": None})
    async with running_gateway(untrusted) as direct:
        for n in range(settings.login_free_attempts):
            spoofed = {"X-Forwarded-For": f"198.51.100.{n + 1}"}  # ignored: no trusted proxy
            await direct.post(TOKEN, data={"username": "admin", "password": "x"}, headers=spoofed)
        again = await direct.post(
            TOKEN, data={"username": "admin", "password": "x"},
            headers={"X-Forwarded-For": "198.51.100.99"},
        )  # fmt: skip
        assert again.status_code == 429
