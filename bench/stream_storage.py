"""Measurement: JetStream storage the domain streams cost per 100,000 mediation cases.

The streams keep their events for years (the statistics are rebuilt from them), so an operator
needs to know the disk that costs. This publishes the events of a typical case's life (register,
assign, declare, two consents, agreement, a session scheduled and held, settlement, an
obligation fulfilled, closing; one case in ten escalated and accepted) as the relay does
(CloudEvents envelope, Nats-Msg-Id, traceparent and actor headers) into a file-backed stream,
then prints the stream's bytes and the extrapolation to 100,000 cases.

    python -m bench.stream_storage [--cases 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import nats

from bench.outbox_relay import start_nats
from kelisim.bus.streams import ensure_streams
from kelisim.events import Envelope, EventData
from kelisim.events import cases as ce
from kelisim.events import notifications as no
from kelisim.settings import Settings


def life(n: int) -> list[EventData]:
    """The events of one case, with realistic field sizes."""
    ref = uuid.uuid4().hex
    number = f"KZ-75-2026-{n:06d}"
    today = date(2026, 3, 2)
    common = {"case_ref": ref, "region": "KZ-75"}
    events: list[EventData] = [
        ce.CaseRegistered(**common, number=number, category="land"),
        ce.CaseAssigned(**common, number=number, mediator="mediator.almaty.01"),
        ce.CaseDeclared(**common, number=number, mediator="mediator.almaty.01", conflict=False),
        *(
            ce.ConsentGiven(
                **common,
                party_ref=uuid.uuid4().hex,
                purpose="mediation",
                form="written",
                given_on=today,
            )
            for _ in range(2)
        ),
        ce.MediationAgreementSigned(
            **common,
            number=number,
            mediator="mediator.almaty.01",
            signed_on=today,
            deadline=date(2026, 4, 1),
        ),
        ce.SessionScheduled(**common, session_ref=uuid.uuid4().hex, scheduled_at=datetime.now(UTC)),
        ce.SessionUpdated(
            **common, session_ref=uuid.uuid4().hex, status="held", scheduled_at=datetime.now(UTC)
        ),
        ce.CaseSettled(
            **common,
            number=number,
            category="land",
            mediator="mediator.almaty.01",
            obligations=1,
            document_sha256="a" * 64,
        ),
        ce.ObligationFulfilled(**common, obligation_ref=uuid.uuid4().hex, due_on=today),
        ce.CaseClosed(**common, number=number, category="land", mediator="mediator.almaty.01"),
    ]
    if n % 10 == 0:
        escalation = uuid.uuid4().hex
        events.append(
            ce.CaseEscalated(
                escalation_id=escalation,
                case_ref=uuid.uuid4().hex,
                region="KZ-75",
                category="land",
                risk_level="high",
                summary="Tension between two groups of neighbours over a land boundary; "
                "a gathering is announced for the weekend.",
                escalated_at=datetime.now(UTC),
            )
        )
        events.append(
            no.EscalationAcknowledged(
                escalation_id=escalation,
                case_ref=ref,
                region="KZ-75",
                acknowledged_by="liaison.almaty",
                acknowledged_at=datetime.now(UTC),
            )
        )
    return events


async def measure(cases: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_nats(Path(tmp), 42391)
        try:
            url = "nats://127.0.0.1:42391"
            nc = await nats.connect(url)
            js = nc.jetstream()
            await ensure_streams(js, Settings(nats_url=url))
            count = 0
            for n in range(cases):
                for data in life(n):
                    env = Envelope.wrap(data, source="/kelisim/cases", subject=f"case:{n}")
                    headers = {
                        "Nats-Msg-Id": env.id,
                        "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
                        "Kelisim-Actor": "mediator.almaty.01",
                    }
                    await js.publish(env.nats_subject, env.to_bytes(), headers=headers)
                    count += 1
            total = 0
            for stream in ("CASES", "NOTIFICATIONS"):
                info = await js.stream_info(stream)
                total += info.state.bytes
            await nc.close()
        finally:
            proc.terminate()
            proc.wait()
    per_case = total / cases
    print(f"cases: {cases}  events: {count}  ({count / cases:.1f} per case)")
    print(
        f"stream bytes: {total:,}  per case: {per_case:,.0f} B  per event: {total / count:,.0f} B"
    )
    print(
        f"per 100,000 cases: {per_case * 100_000 / 1e6:,.0f} MB on one replica, "
        f"{per_case * 300_000 / 1e6:,.0f} MB with replicas 3"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(measure(args.cases))


if __name__ == "__main__":
    main()
