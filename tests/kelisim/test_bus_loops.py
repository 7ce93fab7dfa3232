"""The loops of a service's bus (relay, anchor, consumers, workers) are owned for its life.

One loop that fails is logged and started again while the others go on, and a shutdown
leaves none of them running: gathered bare, the first failure ended the bus task and left
the rest running on, unowned, past the shutdown that closed their connection (seen in the
test logs as a consumer retrying "NATS is not connected" every 2 s for the rest of the run).
"""

from __future__ import annotations

import asyncio
from functools import partial

import httpx
import pytest
from structlog.testing import capture_logs

from kelisim.service import (
    ServiceContext,
    cancel_all,
    create_service_app,
    run_loops,
    supervised,
)
from kelisim.settings import Settings
from kelisim.workers import finish
from services.cases.api import router
from services.cases.consumers import CONSUMERS
from services.cases.models import backbone
from tests.support.db import migrated
from tests.support.services import wait_ready


async def swallows_one_cancellation(swallowed: list[str]) -> None:
    """A loop that runs until cancelled twice: the first cancellation is swallowed (noted),
    as a library's `wait_for` may on a race."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        swallowed.append("first")
    await asyncio.Event().wait()


async def test_a_failing_loop_is_logged_and_started_again_until_cancelled():
    starts: list[int] = []
    forever = asyncio.Event()

    async def loop() -> None:
        starts.append(len(starts))
        if len(starts) < 3:
            raise RuntimeError(f"failure {len(starts)}")
        await forever.wait()  # the third start runs until cancelled

    with capture_logs() as logs:
        task = asyncio.create_task(supervised("worker flaky", loop, pause=0.01))
        for _ in range(500):
            if len(starts) == 3:
                break
            await asyncio.sleep(0.01)
        assert starts == [0, 1, 2]
        assert not task.done()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    failed = [e for e in logs if e["event"] == "bus.loop_failed"]
    assert [e["loop"] for e in failed] == ["worker flaky", "worker flaky"]
    assert all(e["log_level"] == "error" and e["exc_info"] for e in failed)


async def test_a_loop_that_returns_is_done():
    starts: list[int] = []

    async def once() -> None:
        starts.append(1)

    await asyncio.wait_for(supervised("anchor", once, pause=0.01), timeout=5)
    assert starts == [1]


async def test_a_loop_that_swallows_its_cancellation_is_stopped_before_the_bus_task_ends():
    swallowed: list[str] = []
    stubborn = partial(swallows_one_cancellation, swallowed)

    async def quiet() -> None:
        await asyncio.Event().wait()

    bus = asyncio.create_task(run_loops({"stubborn": stubborn, "quiet": quiet}, prefix="t"))
    await asyncio.sleep(0.05)
    loops = {t for t in asyncio.all_tasks() if t.get_name().startswith("t ")}
    assert sorted(t.get_name() for t in loops) == ["t quiet", "t stubborn"]
    await cancel_all([bus])  # as a lifespan does: again every 2 s until the task ends
    assert bus.done() and swallowed == ["first"]
    assert all(t.done() for t in loops)


async def test_a_worker_that_fails_leaves_the_consumers_running_and_nothing_after_shutdown(
    settings: Settings,
):
    await asyncio.to_thread(migrated, "cases", settings.database_url("cases"))
    starts: list[float] = []

    async def breaks_once(ctx: ServiceContext) -> None:
        starts.append(asyncio.get_running_loop().time())
        if len(starts) == 1:
            raise RuntimeError("the first round fails")
        await asyncio.Event().wait()

    app = create_service_app(
        "cases", settings, backbone, routers=[router], consumers=CONSUMERS, workers=[breaks_once]
    )
    before = asyncio.all_tasks()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as client:
            await wait_ready(client)  # the consumers provisioned and pulling
            for _ in range(500):
                if len(starts) == 2:
                    break
                await asyncio.sleep(0.01)
            assert len(starts) == 2  # started again after its failure
            status = (await client.get("/status")).json()
            assert status["nats"] is True and all(status["consumers"].values())
    await asyncio.sleep(0)
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    left.discard(asyncio.current_task())  # type: ignore[arg-type]
    assert not left, sorted(t.get_name() for t in left)


async def test_finish_sees_its_work_through_repeated_cancellation_then_passes_it_on():
    """A stopping task's last work (a lease handed back) outlives a second cancellation.

    With `asyncio.shield` the second one ended the task at once, its work left running in a
    task of its own: on PostgreSQL, where the hand-back waits for a lease being taken, the
    service's lifespan ended with the relay's hand-back still pending (a CI run, session 37).
    """
    gate, done = asyncio.Event(), []

    async def work() -> int:
        await gate.wait()
        done.append("handed back")
        return 7

    stopping = asyncio.create_task(finish(work()))
    await asyncio.sleep(0.01)
    for _ in range(3):  # cancelled, then again, as cancel_all and a stopping owner do
        stopping.cancel()
        await asyncio.sleep(0.01)
        assert not stopping.done()
    before = asyncio.all_tasks()
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert done == ["handed back"]
    assert not {t for t in before - {asyncio.current_task()} if not t.done()}
    assert await finish(asyncio.sleep(0, "kept")) == "kept"  # uncancelled: its own result


async def test_cancel_all_cancelled_while_it_waits_stops_its_tasks_and_passes_it_on():
    swallowed: list[str] = []
    loop = asyncio.create_task(swallows_one_cancellation(swallowed))
    await asyncio.sleep(0.01)
    owner = asyncio.create_task(cancel_all([loop]))
    await asyncio.sleep(0.05)  # the first cancellation swallowed; cancel_all waits (2 s)
    assert swallowed == ["first"] and not loop.done()
    owner.cancel()  # its owner stops too: the loop is cancelled again at once
    await asyncio.wait([owner], timeout=1)
    assert loop.done() and owner.cancelled()
