"""A case registered in the cases service reaches the notifications service through JetStream."""

from __future__ import annotations

import asyncio

from tests.support.services import bearer, running


async def test_registered_case_becomes_a_coordinator_notification(settings):
    async with (
        running("notifications", settings) as notifications,
        running("cases", settings) as cases,
    ):
        mediator = bearer(settings, "cases", sub="m1", roles=["mediator"], regions=["KZ-75"])
        created = await cases.post(
            "/api/v1/cases", json={"region": "KZ-75", "category": "neighbour"}, headers=mediator
        )
        assert created.status_code == 201, created.text
        number = created.json()["number"]
        assert number.startswith("KZ-75-")

        coordinator = bearer(
            settings, "notifications", sub="c1", roles=["coordinator"], regions=["KZ-75"]
        )
        for _ in range(200):
            inbox = await notifications.get("/api/v1/notifications", headers=coordinator)
            if inbox.json():
                break
            await asyncio.sleep(0.05)
        assert [n["summary"] for n in inbox.json()] == [f"case {number} registered"]


async def test_a_service_refuses_calls_without_a_gateway_token(settings):
    async with running("cases", settings, ready=False) as cases:
        response = await cases.post("/api/v1/cases", json={"region": "KZ-75", "category": "land"})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
