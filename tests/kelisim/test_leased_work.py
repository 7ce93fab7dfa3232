"""A leased worker stops when cancelled, also when its round's cleanup fails as it stops."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData

from kelisim.db import make_engine
from kelisim.tables import backbone_tables
from kelisim.workers import run_leased

pytestmark = pytest.mark.db_independent


async def test_a_round_whose_cleanup_fails_while_cancelled_stops_the_worker(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'work.db'}")
    tables = backbone_tables(MetaData())
    tables.metadata.create_all(engine)
    ctx = SimpleNamespace(name="test", engine=engine, tables=tables)
    rounds: list[str] = []
    started = asyncio.Event()
    failing = [True]

    async def one_round() -> int:
        rounds.append("round")
        started.set()
        try:
            await asyncio.Event().wait()
        finally:  # recording what was done, cut off: an error in place of the cancellation
            if failing[0]:
                raise RuntimeError("the record of the round failed")
        return 0

    worker = asyncio.create_task(run_leased(ctx, "recording", one_round, every=0.01))  # type: ignore[arg-type]
    await started.wait()
    worker.cancel()
    done, _ = await asyncio.wait({worker}, timeout=10)
    if not done:  # the failure: stop it for good, so that the test run goes on
        failing[0] = False
        worker.cancel()
        await asyncio.wait({worker}, timeout=10)
    engine.dispose()

    assert done == {worker}, "the worker went on after its cancellation"
    assert worker.cancelled()
    assert rounds == ["round"]  # no round started after the cancellation
