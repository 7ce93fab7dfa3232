"""A case registered in the cases service reaches another service through JetStream."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from kelisim.bus.consumer import Consumer, ConsumerSpec
from kelisim.bus.headers import trace_id
from tests.support.checks import eventually
from tests.support.events import read_stream
from tests.support.scratch import applied, counts
from tests.support.scratch import backbone as scratch_backbone
from tests.support.services import bearer, running

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_a_registered_case_is_applied_by_another_service_as_the_acting_user(
    settings, scratch_engine
):
    """A real service's event, consumed by a second service's idempotent consumer."""
    seen: list[tuple[str, str]] = []

    def on_registered(envelope, data, uow) -> None:  # type: ignore[no-untyped-def]
        uow.conn.execute(applied.insert().values(event_id=envelope.id, aggregate=data.number))
        uow.audit("case.noted", "case", data.case_ref, after={"number": data.number})
        seen.append((data.number, uow.actor.username))

    async with running("cases", settings) as cases:
        bus = cases.app.state.ctx.bus  # type: ignore[attr-defined]
        consumer = Consumer(
            scratch_engine,
            scratch_backbone,
            bus,
            service="observer",
            spec=ConsumerSpec("CASES", {"cases.case.registered": on_registered}),
        )
        task = asyncio.create_task(consumer.run())
        try:
            mediator = bearer(settings, "cases", sub="m1", roles=["mediator"], regions=["KZ-75"])
            created = await cases.post(
                "/api/v1/cases",
                json={"region": "KZ-75", "category": "neighbour"},
                headers={**mediator, "traceparent": TRACEPARENT},
            )
            assert created.status_code == 201, created.text
            number = created.json()["number"]
            # Until the consumer's commit, not the handler's call: the test stops the consumer
            # next, and a busy machine once stopped it between the two (CI rehearsal).
            await eventually(
                lambda: counts(scratch_engine)[0] == 1, timeout=60, what="the event applied"
            )
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert seen == [(number, "m1")]
    assert counts(scratch_engine) == (1, 1)
    with scratch_engine.connect() as conn:
        actors = [r.actor for r in conn.execute(select(scratch_backbone.audit_log))]
    assert actors == ["m1"]


async def test_the_request_trace_continues_in_the_event_headers(settings):
    async with running("cases", settings) as cases:
        mediator = bearer(settings, "cases", sub="m1", roles=["mediator"], regions=["KZ-75"])
        created = await cases.post(
            "/api/v1/cases",
            json={"region": "KZ-75", "category": "land"},
            headers={**mediator, "traceparent": TRACEPARENT},
        )
        assert created.status_code == 201
        (event,) = await read_stream(settings.nats_url, "CASES", expected=1, with_headers=True)
    envelope, headers = event
    assert envelope.data["number"] == created.json()["number"]
    assert trace_id(headers["traceparent"]) == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert headers["traceparent"] != TRACEPARENT  # a child span, same trace
    assert headers["Kelisim-Actor"] == "m1"
    assert headers["Nats-Msg-Id"] == envelope.id


async def test_a_service_refuses_calls_without_a_gateway_token(settings):
    async with running("cases", settings, ready=False) as cases:
        response = await cases.post("/api/v1/cases", json={"region": "KZ-75", "category": "land"})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
