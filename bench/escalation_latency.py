"""Benchmark: a coordinator's escalation through the gateway -> a verified webhook, vs bare NATS.

Starts the whole system with `kelisim up` (embedded default: nats-server, SQLite, every
service), a local webhook receiver registered for KZ-75 that verifies each call with
`standardwebhooks`, and a coordinator. Then, on a precomputed schedule (asyncio and the light
client of bench/light_http.py; the generator's own lag and CPU per call are printed, so it is
visibly not the bottleneck):
- escalations at `--rate`/s for `--seconds`: p50/p99 from the API call to the verified
  webhook, and where the time went (each stage's median and p99, read from the services'
  databases; `KELISIM_BENCH_DUMP=<file>` also writes every escalation's stages, by the time
  it was sent, as JSON: a p99 made by a stall shows there as a run of late ones);
- then steps of `--step-seconds` each, rising by a quarter while each rate holds
  (everything arrives within 2 s of the last call and the last quarter is not much slower
  than the first) or falling by a third from one that did not, until the verdict turns:
  the highest sustained rate;
- the bare baseline in the same run: nats-py publish -> a subscriber process -> an HTTP POST
  signed the same way to the same receiver, at the same rates.
Targets: p99 <= 100 ms at 50/s, sustained >= 200/s, p99 <= 3x the bare path.

    python -m bench.escalation_latency [--rate 50] [--seconds 60] [--step-seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.escalation_parts import (
    bare_subscriber_main,
    collect,
    holds,
    line,
    measure_bare,
    pct,
    receiver_main,
    run_schedule,
    summary,
)
from bench.escalation_system import System
from bench.light_http import LightClient
from bench.support import cpu_by_part, free_port, result, shape

UP, DOWN = 1.25, 1.5  # the factors of the rising and falling steps
FLOOR, TOP = 1.0, 500.0  # rates, /s, that the steps stay within
DRAIN_SECONDS = 300  # how long a step waits for the last one's backlog


async def measure_kelisim(args, system: System, receiver: str) -> dict:  # noqa: ANN001
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=system.gateway, timeout=30, limits=limits) as client:
        await system.prepare(client, cases=args.cases)
        light = LightClient(system.gateway)
        send = system.sender(light)
        await run_schedule(5, 2, send)  # warm-up
        await collect(receiver, {}, {})
        got: dict[str, float] = {}
        assert system.proc is not None
        cpu_before, client_before = cpu_by_part(system.proc.pid), time.process_time()
        sent, lags = await run_schedule(args.rate, args.seconds, send)
        client_cpu = (time.process_time() - client_before) * 1000 / max(len(sent), 1)
        tail = await collect(receiver, sent, got)
        cpu_after = cpu_by_part(system.proc.pid)
        cpu = {
            part: (cpu_after[part] - cpu_before.get(part, 0.0)) * 1000 / max(len(sent), 1)
            for part in cpu_after
        }
        base = summary(sent, got) | {
            "tail": tail,
            "lag": pct(lags, 0.99) * 1000,
            "refused": len(lags) - len(sent),
        }
        base["holds"] = holds(base, tail)
        stages = system.stages(sent, got)
        steps = [(args.rate, base)]
        # The highest rate that holds: up by a quarter while each rate holds, or down by a
        # third from one that did not, until the verdict turns; each step starts once the
        # last one's backlog has arrived, so a backlog never carries into the next rate.
        up = base["holds"]
        rate = args.rate
        while True:
            rate = round(rate * UP, 1) if up else round(rate / DOWN, 1)
            if not FLOOR <= rate <= TOP:
                break
            await collect(receiver, sent, got, wait=DRAIN_SECONDS)
            if not all(i in got for i in sent):
                print(f"the backlog before {rate:g}/s did not clear in {DRAIN_SECONDS} s")
                break  # no rate after it could be judged on its own
            got = {}
            sent, lags = await run_schedule(rate, args.step_seconds, send)
            tail = await collect(receiver, sent, got)
            s = summary(sent, got) | {
                "tail": tail,
                "lag": pct(lags, 0.99) * 1000,
                "refused": len(lags) - len(sent),
            }
            s["holds"] = holds(s, tail)
            steps.append((rate, s))
            if s["holds"] != up:
                break
        await light.close()
        return {
            "base": base,
            "stages": stages,
            "steps": steps,
            "refusals": system.refusals,
            "cpu": cpu,
            "client_cpu": client_cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()

    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    spawn = mp.get_context("spawn")
    port = free_port()
    receiver = spawn.Process(target=receiver_main, args=(port, secret), daemon=True)
    receiver.start()
    receiver_url = f"http://127.0.0.1:{port}/hooks/kelisim"
    with tempfile.TemporaryDirectory() as tmp:
        system = System(tmp, receiver_url, secret)
        system.start()
        try:
            ours = asyncio.run(measure_kelisim(args, system, receiver_url))
        finally:
            system.stop()
        # The bare path on its own nats-server from the same wheel, once Kelisim has stopped.
        nats_port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "nats-server"),
                "-a",
                "127.0.0.1",
                "-p",
                str(nats_port),
            ],
            stderr=subprocess.DEVNULL,
        )
        nats_url = f"nats://127.0.0.1:{nats_port}"
        time.sleep(0.5)
        sub = spawn.Process(
            target=bare_subscriber_main, args=(nats_url, receiver_url, secret), daemon=True
        )
        sub.start()
        time.sleep(1.5)
        rates = [r for r, _ in ours["steps"] if r != args.rate]
        try:
            bare = asyncio.run(measure_bare(args, nats_url, receiver_url, rates))
        finally:
            sub.terminate()
            server.terminate()
            server.wait(10)
    receiver.terminate()

    base, ref = ours["base"], bare[args.rate]
    print(
        f"escalation -> verified webhook, {args.rate:g}/s for {args.seconds:g} s "
        f"(kelisim up, embedded, KELISIM_PROCESSES={shape()}, this machine)"
    )
    print(line("  kelisim (gateway -> webhook)", base))
    print(line("  bare (nats publish -> POST)", ref))
    if ours["refusals"]:
        print(f"  API answers other than 201, by status: {ours['refusals']}")
    print("  where the time goes (median, p99):")
    for name, median, p99 in ours["stages"]:
        print(f"    {name:<46} {median:7.1f} ms {p99:7.1f} ms")
    print("  CPU per escalation, by process (ms; during the run above, idle work included):")
    for part, ms in sorted(ours["cpu"].items(), key=lambda kv: -kv[1]):
        print(f"    {part:<46} {ms:7.1f} ms")
    print(f"    {'all of Kelisim':<46} {sum(ours['cpu'].values()):7.1f} ms")
    print(f"    {'(the load client, not Kelisim)':<46} {ours['client_cpu']:7.1f} ms")
    print("steps to the highest rate that holds, each for", f"{args.step_seconds:g} s:")
    sustained = 0.0
    for rate, s in ours["steps"]:
        b = bare.get(rate)
        verdict = "holds" if s["holds"] else "backlog"
        print(line(f"  kelisim {rate:g}/s ({verdict})", s))
        if b:
            print(line(f"  bare    {rate:g}/s", b))
        if s["holds"]:
            sustained = max(sustained, s["rate"])
    ratio = base["p99"] / ref["p99"]
    print(
        f"p99 at {args.rate:g}/s           : {base['p99']:7.1f} ms   target <= 100 ms: "
        f"{'PASS' if base['p99'] <= 100 else 'FAIL'}"
    )
    print(
        f"sustained rate          : {sustained:7.1f} /s  target >= 200/s: "
        f"{'PASS' if sustained >= 200 else 'FAIL'}"
    )
    print(
        f"p99 kelisim / bare      : {ratio:7.2f}x    target <= 3x: "
        f"{'PASS' if ratio <= 3 else 'FAIL'}"
    )
    p99 = base["p99"]
    name = f"escalation p99 at {args.rate:g}/s, ms"
    result(name, p99, ref["p99"], ratio, "<= 100 ms", p99 <= 100, "ms")
    result("escalation p99 / bare path", ratio, 1.0, ratio, "<= 3x", ratio <= 3)
    top = max((r for r, s in ours["steps"] if s["holds"]), default=0)
    bare_top = float(bare[top]["rate"]) if top in bare else 0.0
    share = sustained / bare_top if bare_top else 0.0
    result(
        "escalation sustained rate, /s",
        sustained,
        bare_top,
        share,
        ">= 200/s",
        sustained >= 200,
        "/s",
    )


if __name__ == "__main__":
    main()
