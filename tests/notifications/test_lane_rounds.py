"""A webhook lane sends a backlog in one round; stopped mid-round, it records what was answered
and the next run sends again only the call that was cut short."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.notifications.conftest import admin, eventually
from tests.notifications.test_webhook_failures import deliveries, register
from tests.support.services import running

ESCALATIONS = 8  # at 0.3 s a call, the round lasts 2.4 s


def recorded(settings) -> set[str]:  # type: ignore[no-untyped-def]
    """Deliveries with a successful attempt on record."""
    engine = create_engine(settings.database_url("notifications"))
    try:
        with engine.connect() as conn:
            query = "SELECT delivery_id FROM delivery_attempt WHERE outcome = 'succeeded'"
            return set(conn.execute(text(query)).scalars())
    finally:
        engine.dispose()


def webhook_ids(receiver) -> set[str]:  # type: ignore[no-untyped-def]
    """The distinct deliveries the receiver has been called with."""
    return {c.headers["webhook-id"] for c in receiver.snapshot()}


async def test_a_lane_stopped_mid_round_records_what_was_answered(settings, producer, receivers):
    # The slow receiver (0.3 s a call) well within the sender's timeout even on a loaded
    # machine: the tests' 0.5 s let a call time out now and then, and its retry (the same
    # webhook-id) made the count of calls run ahead of the deliveries.
    settings = settings.model_copy(update={"webhook_timeout_seconds": 5.0})
    receiver = receivers(lambda n: "slow")
    async with running("notifications", settings) as client:
        endpoint_id, _ = await register(client, settings, receiver.url)
        path = f"/api/v1/notifications/endpoints/{endpoint_id}"
        off = await client.patch(path, json={"enabled": False}, headers=admin(settings))
        assert off.status_code == 200, off.text
        for _ in range(ESCALATIONS):
            producer.escalate("KZ-75")
        # Queued while the endpoint is off: enabled, its lane finds them all due at once.
        await eventually(
            lambda: deliveries(client, settings, "pending", ESCALATIONS), what="all queued"
        )
        on = await client.patch(path, json={"enabled": True}, headers=admin(settings))
        assert on.status_code == 200, on.text
        await eventually(lambda: len(webhook_ids(receiver)) >= 3, what="a round under way")
    # The service has stopped (its workers cancelled) in the middle of the round.
    arrived = webhook_ids(receiver)
    assert 3 <= len(arrived) < ESCALATIONS
    kept = recorded(settings)
    assert kept <= arrived
    assert len(arrived - kept) <= 1  # only the call cut short by the stop

    async with running("notifications", settings) as client:
        await eventually(
            lambda: deliveries(client, settings, "succeeded", ESCALATIONS),
            timeout=30,
            what="the rest sent",
        )
    calls = [c.headers["webhook-id"] for c in receiver.snapshot()]
    assert len(set(calls)) == ESCALATIONS
    assert len(calls) - ESCALATIONS <= 1  # sent again: at most the one cut short
