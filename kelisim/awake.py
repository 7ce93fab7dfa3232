"""Keep a busy process's event loop awake: a short timer while work flows, none when idle.

Why: on the machine `make bench` runs on, a KVM guest with guest halt polling off
(/sys/module/haltpoll/parameters/guest_halt_poll_ns is 0), an idle vCPU halts at once. An
escalation crosses a dozen hand-offs between the event loop, its database threads,
nats-server and the receiver. At 50/s in the one process, its p99 was 96-212 ms in eight
runs, and every stage's p99 was two to four times as long as with the loop woken every
10 ms (38-56 ms in five runs). Meanwhile the loop's ready callbacks waited at most a few ms
and the guest's scheduler 0.1 ms on average, so the time was not Kelisim's work. Guest halt
polling at 200 µs, with no timer, gave 53 ms as well: the wait is in waking halted vCPUs. A
50 ms timer did not help, and neither did a thread that woke every 10 ms outside the loop
(one run each).

So while the process is busy (at least `BUSY_SHARE` of a core over the last `WINDOW`), the
loop wakes every `interval` seconds (`KELISIM_LOOP_AWAKE_MS`; 0 turns it off). When idle it
checks once a `WINDOW`, so an idle server does not spin. A wake costs microseconds: 100 a
second is about a thousandth of a core. A host whose guests poll before halting does not
need it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

WINDOW = 1.0  # seconds over which busy or idle is judged
BUSY_SHARE = 0.02  # of a core: a process doing any real work is busy


async def keep_awake(
    interval: float,
    *,
    cpu_time: Callable[[], float] = time.process_time,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Wake the running loop every `interval` s while this process is busy; forever."""
    if interval <= 0:
        return
    busy = True  # a process starts busy: its start-up, then its first requests
    cpu, at = cpu_time(), clock()
    while True:
        if busy:
            end = at + WINDOW
            while clock() < end:
                await sleep(interval)
        else:
            await sleep(WINDOW)
        cpu_now, now = cpu_time(), clock()
        busy = cpu_now - cpu >= BUSY_SHARE * (now - at)
        cpu, at = cpu_now, now
