"""The restore drill: write through the gateway, back up, destroy the data, restore, count.

Cases, escalations (webhooks to two endpoints) and votes go through the gateway; once the
system is quiet `kelisim backup` copies the streams, the databases and the keys; everything
is stopped and the data destroyed (database files or PostgreSQL databases, JetStream's store,
the keys); `kelisim restore` brings them back and queues the outbox window again; the system
starts on the restored data and the checker counts every write, event and webhook once.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.faults.checker import check, quiet
from tests.faults.load import Load, build_world, items_for
from tests.faults.receiver import receiver
from tests.faults.system import System, databases

OPERATIONS = 60


def kelisim(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    """`kelisim *args` with the system's settings."""
    return subprocess.run(
        [sys.executable, "-m", "kelisim.cli", *args],
        env=system.env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def destroy(system: System) -> None:
    """Remove every database (file or PostgreSQL database), JetStream's store and the keys."""
    for url in system.urls.values():
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
            continue
        admin = create_engine(
            parsed.set(drivername="postgresql+psycopg", database="postgres"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{parsed.database}" WITH (FORCE)'))
        admin.dispose()
    assert system.nats is not None
    shutil.rmtree(system.nats.store / "js")
    shutil.rmtree(system.root / "keys")


@pytest.mark.slow
async def test_a_restored_backup_holds_every_case_vote_and_escalation_once(
    tmp_path: Path,
) -> None:
    root = tmp_path / "data"
    root.mkdir()
    with databases(root) as urls, receiver() as received:
        system = System(root, urls)
        await asyncio.to_thread(system.configure)
        try:
            await system.start()
            async with httpx.AsyncClient(
                base_url=system.gateway_url, timeout=60, trust_env=False
            ) as client:
                world = await build_world(client, received, items_for(OPERATIONS))
            load = Load(world, OPERATIONS, seed=18, workers=4)
            load.faults_over.set()
            await load.run()
            assert await quiet(system, timeout=240), "not quiet before the backup"
            before = {path: dict(ids) for path, ids in received.ids().items()}

            saved = kelisim(system, "backup", str(tmp_path / "backup"))
            assert saved.returncode == 0, saved.stderr
            manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
            assert set(manifest["databases"]) == set(urls)
            assert manifest["streams"]["CASES"]["messages"] > 0

            await system.stop()
            await asyncio.to_thread(destroy, system)
            assert system.nats is not None
            await asyncio.to_thread(system.nats.start)
            restored = kelisim(system, "restore", "--yes", str(tmp_path / "backup"))
            await asyncio.to_thread(system.nats.stop)
            assert restored.returncode == 0, restored.stderr
            print(restored.stdout)

            system.children.clear()
            await system.start()
            assert await quiet(system, timeout=240), "not quiet after the restore"
            report = await check(system, load.ops, received, world.endpoints)
            print(report.table())
        finally:
            await system.stop()
    outcomes = Counter((op.kind, op.outcome) for op in load.ops)
    for kind in ("register", "escalate", "vote"):
        assert outcomes[(kind, "ok")] > 0, outcomes
    assert not report.anomalies, report.table()
    # Nothing was delivered again after the restore: the webhooks stand as before it.
    assert {path: dict(ids) for path, ids in received.ids().items()} == before
