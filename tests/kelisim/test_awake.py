"""A busy process's loop wakes every interval; an idle one once a window; 0 turns it off."""

from __future__ import annotations

import asyncio

import pytest

from kelisim import awake

pytestmark = pytest.mark.db_independent


class Stop(Exception):
    pass


def run(interval: float, cpu_share: list[float], limit: int = 400) -> list[float]:
    """The sleeps `keep_awake` asks for, on a clock that advances by each sleep while the
    process uses `cpu_share[window]` of a core in each window that follows."""
    state = {"now": 0.0, "cpu": 0.0}
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        if len(asked) >= limit:
            raise Stop
        asked.append(seconds)
        window = min(int(state["now"] // awake.WINDOW), len(cpu_share) - 1)
        state["cpu"] += seconds * cpu_share[window]
        state["now"] += seconds

    with pytest.raises(Stop):
        asyncio.run(
            awake.keep_awake(
                interval,
                cpu_time=lambda: state["cpu"],
                clock=lambda: state["now"],
                sleep=sleep,
            )
        )
    return asked


TICK = 1 / 16  # exact in binary: the fake clock adds up to whole windows


def test_a_busy_process_wakes_every_interval_and_an_idle_one_once_a_window():
    # Busy for 2 s (half a core), idle for 3 s, busy again.
    asked = run(TICK, [0.5, 0.5, 0.0, 0.0, 0.0, 0.6, 0.6])
    windows = []  # what was asked, window by window
    total, current = 0.0, []
    for seconds in asked:
        current.append(seconds)
        total += seconds
        if total >= awake.WINDOW - 1e-9:
            windows.append(current)
            total, current = 0.0, []
    ticks = [TICK] * 16
    assert windows[0] == windows[1] == ticks  # busy: every interval
    assert windows[2] == ticks  # the first idle window is judged after it ends
    assert windows[3] == windows[4] == windows[5] == [awake.WINDOW]  # idle: once a window
    assert windows[6] == windows[7] == ticks  # busy again, from the window after


def test_a_trickle_below_the_busy_share_counts_as_idle():
    asked = run(TICK, [awake.BUSY_SHARE / 2], limit=66)
    assert asked[:16] == [TICK] * 16  # a process starts busy
    assert asked[16:] == [awake.WINDOW] * 50


def test_zero_turns_it_off():
    async def never(seconds: float) -> None:
        raise AssertionError("slept")

    assert asyncio.run(awake.keep_awake(0, sleep=never)) is None
