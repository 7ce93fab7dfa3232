"""Backups: the events published between the stream snapshot and the database copy come back."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select

from kelisim import backup
from kelisim.db import make_engine
from kelisim.supervision.system import PidFile
from tests.support.cli import run_cli
from tests.support.events import read_stream, write_events
from tests.support.scratch import backbone


async def test_restore_queues_again_only_what_the_stream_snapshot_missed(
    tmp_path, scratch_url, scratch_engine, make_relay, bus
):
    relay = make_relay()
    before = write_events(scratch_engine, backbone, 3)
    await relay.relay_once()
    since = datetime.now(UTC) - backup.REPLAY_MARGIN
    nc = await nats.connect(bus.url)
    try:
        meta = await backup.snapshot_stream(nc, "CASES", tmp_path / "CASES.tar.s2")
        gap = write_events(scratch_engine, backbone, 2)  # published after the snapshot
        await relay.relay_once()
        owner = backup.Owner("scratch", scratch_url)
        backup.copy_database(owner, tmp_path / "scratch.copy")
        write_events(scratch_engine, backbone, 1)  # after the backup: lost by the restore
        await relay.relay_once()
        scratch_engine.dispose()

        assert await backup.restore_stream(nc, meta, tmp_path / "CASES.tar.s2", 1) == 3
        backup.restore_database(owner, tmp_path / "scratch.copy")
        published = await backup.ids_since(nc, "CASES", since)
    finally:
        await nc.close()
    assert published == set(before)
    engine = make_engine(scratch_url)
    try:
        assert backup.reopen(engine, backbone, since, published) == 2
        with engine.connect() as conn:
            pending = conn.execute(
                select(backbone.outbox.c.event_id).where(backbone.outbox.c.sent_at.is_(None))
            ).scalars()
            assert set(pending) == set(gap)
            rows = conn.execute(select(func.count()).select_from(backbone.outbox)).scalar_one()
            assert rows == 5
    finally:
        engine.dispose()

    relay = make_relay()
    assert await relay.relay_once() == (2, False)
    got = await read_stream(bus.url, "CASES", expected=5)
    assert sorted(e.id for e in got) == sorted(before + gap)


def one_database_backup(folder: Path) -> Path:
    """A backup folder whose manifest checks: one SQLite copy (of no real database)."""
    (folder / "databases").mkdir(parents=True)
    (folder / "databases" / "cases.db").write_bytes(b"original")
    manifest = {
        "format": backup.FORMAT,
        "replay_since": datetime.now(UTC).isoformat(),
        "streams": {},
        "databases": {"cases": {"kind": "sqlite", "file": "databases/cases.db"}},
        "files": {
            "databases/cases.db": {
                "sha256": backup.sha256(folder / "databases" / "cases.db"),
                "bytes": 8,
            }
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.db_independent
def test_a_backup_whose_file_changed_is_refused_and_nothing_restored(tmp_path: Path) -> None:
    folder = one_database_backup(tmp_path / "backup")
    assert backup.check(folder)["databases"]["cases"]["kind"] == "sqlite"

    (folder / "databases" / "cases.db").write_bytes(b"tampered")
    done = run_cli(tmp_path, "restore", "--yes", str(folder))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"kelisim: restore: {folder / 'databases' / 'cases.db'}: missing or its checksum "
        "differs from the manifest"
    ]
    assert not (tmp_path / "var" / "cases.db").exists()


@pytest.mark.db_independent
def test_restore_asks_for_yes_and_the_outbox_must_outlive_the_backup_interval(tmp_path):
    done = run_cli(tmp_path, "restore", str(tmp_path))
    assert done.returncode == 2 and "--yes" in done.stderr
    done = run_cli(
        tmp_path,
        "migrate",
        KELISIM_OUTBOX_RETENTION_DAYS="1",
        KELISIM_BACKUP_INTERVAL_HOURS="48",
    )
    assert done.returncode == 2
    assert "KELISIM_OUTBOX_RETENTION_DAYS must cover KELISIM_BACKUP_INTERVAL_HOURS" in done.stderr


@pytest.mark.db_independent
def test_restore_is_refused_while_kelisim_runs_on_the_data_folder(tmp_path: Path) -> None:
    folder = one_database_backup(tmp_path / "backup")
    (tmp_path / "var").mkdir()
    # A live process that names itself kelisim holds the folder's pid file, as `kelisim up` does.
    up = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "kelisim", "up"])
    try:
        (tmp_path / "var" / "kelisim.pid").write_text(f"{up.pid}\n")
        done = run_cli(tmp_path, "restore", "--yes", str(folder))
    finally:
        up.kill()
        up.wait()
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"kelisim: restore: kelisim is running on this data folder (pid {up.pid}): stop it first"
    ]
    assert not (tmp_path / "var" / "cases.db").exists()
    # Once it has stopped, the same pid file is stale and no longer stands in the way.
    assert PidFile(tmp_path / "var" / "kelisim.pid").holder() is None
