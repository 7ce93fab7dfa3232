"""Webhook endpoints cannot aim the service at itself, its network or the metadata service.

Checked at registration (422 `url-not-allowed`, nothing stored) and again at each call,
after DNS resolution (a refused call is a failed attempt with its reason, and nothing is
sent). Real service, real NATS, real HTTP receiver.
"""

from __future__ import annotations

import ipaddress

import aiohttp

from kelisim import netguard
from kelisim.webhooks import generate_secret
from services.notifications.handlers.deliveries import Job
from services.notifications.lifecycle import RetryPolicy
from services.notifications.workers import post
from tests.notifications.conftest import admin, eventually
from tests.support.checks import assert_problem, items_of
from tests.support.services import running

ENDPOINTS = "/api/v1/notifications/endpoints"


def endpoint(url: str) -> dict[str, object]:
    return {"region": "KZ-75", "url": url, "secrets": [generate_secret()]}


REFUSED = [
    "https://127.0.0.1:8201/hooks",
    "https://localhost/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.7/hooks",
    "https://[fd00::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://0.0.0.0/hooks",
    "http://liaison.example.kz/hooks",  # production: https only
    "https://user:secret@liaison.example.kz/hooks",  # a password shown wherever the URL is
    "https://user@liaison.example.kz/hooks",
]


async def test_registration_refuses_internal_addresses_and_plain_http_in_production(settings):
    strict = settings.model_copy(update={"env": "production", "webhook_allowed_networks": []})
    async with running("notifications", strict) as client:
        for url in REFUSED:
            refused = await client.post(ENDPOINTS, json=endpoint(url), headers=admin(strict))
            body = assert_problem(refused, 422, "url-not-allowed")
            assert "refused" in body["detail"], url
        assert items_of(await client.get(ENDPOINTS, headers=admin(strict))) == []


async def test_an_allow_listed_network_may_be_registered(settings):
    allowed = settings.model_copy(update={"webhook_allowed_networks": ["10.20.0.0/16"]})
    async with running("notifications", allowed) as client:
        ok = await client.post(
            ENDPOINTS, json=endpoint("http://10.20.3.4/hooks"), headers=admin(allowed)
        )
        assert ok.status_code == 201, ok.text
        other = await client.post(
            ENDPOINTS, json=endpoint("http://10.21.3.4/hooks"), headers=admin(allowed)
        )
        assert_problem(other, 422, "url-not-allowed")


async def test_a_delivery_to_a_name_resolving_to_loopback_is_refused_and_recorded(
    settings, producer, receivers
):
    receiver = receivers()
    url = f"http://localhost:{receiver.port}/hooks/kelisim"
    # Registered while loopback was allowed; the allow-list is then emptied.
    async with running("notifications", settings) as client:
        created = await client.post(ENDPOINTS, json=endpoint(url), headers=admin(settings))
        assert created.status_code == 201, created.text
    strict = settings.model_copy(update={"webhook_allowed_networks": []})
    async with running("notifications", strict) as client:
        producer.escalate("KZ-75")

        async def refused_attempt():  # type: ignore[no-untyped-def]
            page = await client.get("/api/v1/notifications/deliveries", headers=admin(strict))
            items = page.json()["items"]
            return items and items[0]["attempts"] >= 1 and items[0]

        delivery = await eventually(refused_attempt, what="a refused attempt")
        detail = await client.get(
            f"/api/v1/notifications/deliveries/{delivery['id']}", headers=admin(strict)
        )
        attempt = detail.json()["history"][0]
        assert attempt["status_code"] is None
        assert "refused by the SSRF guard" in attempt["error"]
        assert "localhost" in attempt["error"] and "loopback" in attempt["error"]
    assert receiver.snapshot() == []


async def test_the_call_goes_to_the_address_that_was_checked(receivers):
    receiver = receivers()
    url = f"http://liaison.example.kz:{receiver.port}/hooks"
    job = Job("d1", 1, url, b"{}", (generate_secret(),), ())
    policy = RetryPolicy()

    async def dns(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "liaison.example.kz" else []

    async with aiohttp.ClientSession() as http:
        refused = await post(http, job, policy, 5.0, netguard.Guard(False, (), dns))
        assert refused.status_code is None and "loopback" in (refused.error or "")
        assert receiver.snapshot() == []
        allowed = netguard.Guard(False, (ipaddress.ip_network("127.0.0.0/8"),), dns)
        sent = await post(http, job, policy, 5.0, allowed)
    assert sent.status_code == 200, sent.error
    (call,) = receiver.snapshot()
    headers = {k.lower(): v for k, v in call.headers.items()}
    assert headers["host"] == f"liaison.example.kz:{receiver.port}"
