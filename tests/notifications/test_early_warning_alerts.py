"""Early warnings from analytics reach the region's analysts and coordinators, nobody else."""

from __future__ import annotations

from datetime import date

from kelisim.events.analytics import AlertRaised
from tests.notifications.conftest import Producer, eventually
from tests.support.services import bearer, running


async def test_an_early_warning_reaches_the_regions_analysts_and_coordinators(settings):
    analytics = Producer(settings, source="/kelisim/analytics")
    await analytics.start()
    try:
        async with running("notifications", settings) as client:
            analytics.emit(
                AlertRaised(
                    alert_id="alert-1",
                    region="KZ-79",
                    category="land",
                    period=date(2026, 11, 1),
                    observed=16,
                    expected=4.2,
                    upper=9.8,
                    score=2.1,
                    method="farrington",
                    baseline_months=36,
                ),
                aggregate="series:KZ-79:land",
            )
            readers = {
                role: bearer(settings, "notifications", sub=role, roles=[role], regions=["KZ-79"])
                for role in ("coordinator", "analyst", "mediator")
            }

            async def told(headers):  # type: ignore[no-untyped-def]
                inbox = await client.get("/api/v1/notifications/inbox", headers=headers)
                return [i for i in inbox.json()["items"] if i["topic"] == "analytics.alert.raised"]

            for role in ("coordinator", "analyst"):
                [item] = await eventually(lambda r=role: told(readers[r]), what=f"the {role}")
                assert item["region"] == "KZ-79"
            assert await told(readers["mediator"]) == []
            elsewhere = bearer(
                settings, "notifications", sub="c2", roles=["coordinator"], regions=["KZ-71"]
            )
            assert await told(elsewhere) == []
    finally:
        await analytics.stop()
