"""The escalation benchmark's parts: its webhook receiver, the bare NATS path, and the timing.

The receiver and the bare subscriber run as processes of their own, so the benchmark's
client does not share their event loop; `run_schedule` sends on a precomputed schedule.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from bench.light_http import LightClient

REGION = "KZ-75"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# The receiver: its own process, a minimal keep-alive HTTP/1.1 server, standardwebhooks checks.


def receiver_main(port: int, secret: str) -> None:
    from standardwebhooks.webhooks import Webhook

    hook = Webhook(secret)
    arrivals: dict[str, float] = {}

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                at = time.time()
                lines = head.decode("latin-1").split("\r\n")
                method, path = lines[0].split(" ")[:2]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, answer = 200, b""
                if method == "GET":
                    answer = json.dumps(arrivals).encode()
                    arrivals.clear()
                else:
                    try:
                        hook.verify(body, headers)
                        arrivals.setdefault(json.loads(body)["data"]["escalation_id"], at)
                    except Exception:  # noqa: BLE001 - an unverified call is refused
                        status = 400
                writer.write(
                    f"HTTP/1.1 {status} X\r\ncontent-length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
        await server.serve_forever()

    asyncio.run(main())


# The bare path: nats-py core publish -> this subscriber -> a signed POST to the receiver.


def bare_subscriber_main(nats_url: str, receiver_url: str, secret: str) -> None:
    import nats
    from standardwebhooks.webhooks import Webhook

    hook = Webhook(secret)

    async def main() -> None:
        nc = await nats.connect(nats_url)
        # The same light client as the load's (bench.light_http): the bare path's POST costs
        # what an HTTP/1.1 write and a C parse cost, not a Python client's bookkeeping.
        client = LightClient(receiver_url)
        path = urlsplit(receiver_url).path

        async def post(body: bytes) -> None:
            msg_id = "msg_" + uuid.uuid4().hex
            now = datetime.now(UTC)
            headers = {
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": hook.sign(msg_id, now, body.decode()),
                "content-type": "application/json",
            }
            await client.request("POST", path, body, headers)

        async def on_msg(msg) -> None:  # noqa: ANN001
            asyncio.get_running_loop().create_task(post(msg.data))

        await nc.subscribe("bench.escalation", cb=on_msg)
        await nc.flush()
        await asyncio.Event().wait()

    asyncio.run(main())


# The load: a precomputed schedule; each call is a task, so a slow answer delays no other.


async def run_schedule(rate: float, seconds: float, send) -> tuple[dict[str, float], list[float]]:  # noqa: ANN001
    """Call `send()` at `rate`/s for `seconds`; sent time by escalation id, and the lag."""
    sent: dict[str, float] = {}
    lags: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    tasks = []

    async def one() -> None:
        at = time.time()
        escalation_id = await send()
        if escalation_id:
            sent[escalation_id] = at

    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(max(0.0, loop.time() - due))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks, return_exceptions=True)
    return sent, lags


async def collect(
    receiver: str, sent: dict[str, float], got: dict[str, float], wait: float = 30
) -> float:
    """Wait for every sent id at the receiver (at most `wait` s); seconds after the last call."""
    last_sent = max(sent.values(), default=time.time())
    deadline = time.time() + wait
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            got.update((await client.get(receiver)).json())
            if all(i in got for i in sent) or time.time() > deadline:
                break
            await asyncio.sleep(0.1)
    return max((got[i] for i in sent if i in got), default=last_sent) - last_sent


def summary(sent: dict[str, float], got: dict[str, float]) -> dict[str, float]:
    ordered = sorted(sent, key=sent.__getitem__)
    lat = [(got[i] - sent[i]) * 1000 for i in ordered if i in got]
    quarter = max(1, len(lat) // 4)
    span = (max(sent.values()) - min(sent.values())) if len(sent) > 1 else 1.0
    return {
        "n": len(sent),
        "lost": len(sent) - len(lat),
        "p50": pct(lat, 0.5),
        "p99": pct(lat, 0.99),
        "first_q": statistics.median(lat[:quarter]) if lat else float("nan"),
        "last_q": statistics.median(lat[-quarter:]) if lat else float("nan"),
        "rate": len(lat) / max(span, 1e-9),
    }


def holds(s: dict[str, float], tail: float) -> bool:
    return (
        s["lost"] == 0
        and s.get("refused", 0) == 0
        and tail <= 2.0
        and s["last_q"] <= max(2 * s["first_q"], s["first_q"] + 50)
    )


async def measure_bare(args, nats_url: str, receiver: str, rates: list[float]) -> dict:  # noqa: ANN001
    import nats

    nc = await nats.connect(nats_url)
    try:
        results = {}
        for rate, seconds in [(args.rate, args.seconds), *((r, args.step_seconds) for r in rates)]:

            async def send() -> str:
                escalation_id = uuid.uuid4().hex
                data = {"escalation_id": escalation_id, "region": REGION, "summary": "x" * 60}
                body = {"type": "cases.case.escalated", "timestamp": "", "data": data}
                await nc.publish("bench.escalation", json.dumps(body).encode())
                return escalation_id

            got: dict[str, float] = {}
            sent, lags = await run_schedule(rate, seconds, send)
            tail = await collect(receiver, sent, got)
            results[rate] = summary(sent, got) | {
                "tail": tail,
                "lag": pct(lags, 0.99) * 1000,
                "refused": len(lags) - len(sent),
            }
        return results
    finally:
        await nc.close()


def line(label: str, s: dict) -> str:
    return (
        f"{label:<34} p50 {s['p50']:7.1f} ms  p99 {s['p99']:7.1f} ms  "
        f"{s['rate']:6.1f}/s  lost {s['lost']}  refused {s['refused']}  "
        f"client lag p99 {s['lag']:5.1f} ms"
    )
