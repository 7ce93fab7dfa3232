"""A consumer process for crash tests: applies cases.case.registered into `applied`, slowly.

Usage: python -m tests.support.consumer_proc DATABASE_URL NATS_URL
"""

from __future__ import annotations

import asyncio
import sys
import time

from kelisim.bus.connection import Bus
from kelisim.bus.consumer import Consumer, ConsumerSpec
from kelisim.db import make_engine
from tests.support.scratch import applied, backbone


def apply(envelope, data, uow) -> None:  # type: ignore[no-untyped-def]
    uow.conn.execute(applied.insert().values(event_id=envelope.id, aggregate=data.case_ref))
    time.sleep(0.03)  # slow enough (9 s for 300) that a kill lands mid-batch on a busy machine


async def main(db_url: str, nats_url: str) -> None:
    engine = make_engine(db_url)
    bus = Bus(nats_url, "crash-test-consumer")
    await bus.connect()
    consumer = Consumer(
        engine,
        backbone,
        bus,
        service="crashtest",
        spec=ConsumerSpec("CASES", {"cases.case.registered": apply}),
        ack_wait=2.0,
        batch_size=25,
    )
    print("ready", flush=True)
    await consumer.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
