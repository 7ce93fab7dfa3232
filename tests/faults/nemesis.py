"""The fault injector: SIGKILL (then a restart) or SIGSTOP (then SIGCONT) of nats-server,
of each service and of the relay holder, on a fixed schedule while the load runs."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.faults.system import System

RELAY_HOLDER = "relay-holder"
# One round covers every target with both faults; a run takes the first N of the rounds.
ROUND: tuple[tuple[str, str], ...] = (
    ("nats-server", "kill"),
    (RELAY_HOLDER, "kill"),
    ("notifications", "stop"),
    ("councils", "kill"),
    ("cases", "stop"),
    ("nats-server", "stop"),
    ("analytics", "kill"),
    ("notifications", "kill"),
    (RELAY_HOLDER, "stop"),
    ("councils", "stop"),
    ("cases", "kill"),
    ("analytics", "stop"),
)


@dataclass
class Fault:
    """One fault as injected: on which process, how, for how long."""

    target: str
    mode: str
    pause: float
    process: str = ""
    at: float = 0.0
    recovered: float = 0.0


@dataclass
class Nemesis:
    """Injects `count` faults spread over the load; each is healed before the next.

    Fault k waits until the load is k/(count+1) of the way through (`progress`, 0..1) and
    at least `gap` seconds after the previous one healed, so the faults land all along
    the run instead of bunching at its start.
    """

    system: System
    count: int
    progress: Callable[[], float]
    pauses: tuple[float, ...] = (2.0,)
    gap: float = 3.0
    faults: list[Fault] = field(default_factory=list)

    def schedule(self) -> list[Fault]:
        plan = [ROUND[n % len(ROUND)] for n in range(self.count)]
        return [
            Fault(target, mode, self.pauses[n % len(self.pauses)])
            for n, (target, mode) in enumerate(plan)
        ]

    async def run(self) -> None:
        for n, fault in enumerate(self.schedule(), start=1):
            await asyncio.sleep(self.gap)
            while self.progress() < n / (self.count + 1):
                await asyncio.sleep(0.2)
            await self.inject(fault)
            self.faults.append(fault)

    async def inject(self, fault: Fault) -> None:
        process = fault.target
        if process == RELAY_HOLDER:
            # The cases relay runs on either replica: follow the lease to its holder.
            process = await asyncio.to_thread(self.system.relay_holder, "cases") or "cases"
        fault.process = process if process == fault.target else f"{process} (relay holder)"
        fault.at = time.monotonic()
        if fault.mode == "kill":
            await self.system.kill(process)
            await asyncio.sleep(fault.pause)
            await self.system.restart(process)
        else:
            self.system.signal(process, signal.SIGSTOP)
            await asyncio.sleep(fault.pause)
            self.system.signal(process, signal.SIGCONT)
        fault.recovered = time.monotonic()
