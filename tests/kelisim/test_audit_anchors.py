"""Audit anchors: a database writer who recomputes the chain, or cuts and rewinds it, is caught.

Real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), real nats-server, the real
`kelisim` command in a subprocess, as an operator runs it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from kelisim import anchors, audit, migrations
from kelisim.bus.connection import Bus
from kelisim.bus.streams import ensure_streams
from kelisim.db import make_engine
from kelisim.settings import Settings
from tests.support.checks import eventually
from tests.support.cli import bare_env
from tests.support.db import fresh_database
from tests.support.scratch import backbone as scratch_backbone

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Operator:
    """An embedded installation's cases database and the `kelisim` command beside it."""

    env: dict[str, str]
    engine: Engine

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kelisim.cli", *args],
            env=self.env, cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip


@pytest.fixture
def operator(tmp_path: Path, clean_nats: str) -> Iterator[Operator]:
    env = bare_env()
    with fresh_database(tmp_path, "cases") as url:
        migrations.upgrade("cases", url)
        env.update(
            KELISIM_ENV="test",
            KELISIM_DATA_DIR=str(tmp_path / "var"),
            KELISIM_NATS_URL=clean_nats,
            KELISIM_CASES_DATABASE_URL=url,
            PYTHONPATH=str(REPO),
        )
        engine = make_engine(url, null_pool=True)
        yield Operator(env, engine)
        engine.dispose()


def _record(engine: Engine, n: int) -> None:
    from services.cases.models import backbone

    with engine.begin() as conn:
        for i in range(n):
            audit.append(
                conn, backbone, actor="coordinator1", action="case.assigned", entity="case",
                entity_id=f"c{i}", before={"mediator": None}, after={"mediator": f"m{i}"},
            )  # fmt: skip


def _rewrite_and_recompute(engine: Engine) -> None:
    """Change entry 3's content, then recompute every later hash and the head."""
    from services.cases.models import backbone

    log_t, head_t = backbone.audit_log, backbone.audit_head
    with engine.begin() as conn:
        rows = conn.execute(select(log_t).order_by(log_t.c.seq)).all()
        prev = audit.GENESIS
        for row in rows:
            after = '{"mediator":"someone-else"}' if row.seq == rows[2].seq else row.after
            digest = audit.entry_hash(
                prev, row.at, row.actor, row.action, row.entity, row.entity_id, row.before, after
            )
            conn.execute(
                update(log_t).where(log_t.c.seq == row.seq)
                .values(after=after, prev_hash=prev, hash=digest)
            )  # fmt: skip
            prev = digest
        conn.execute(update(head_t).values(seq=rows[-1].seq, hash=prev))


def _truncate_and_rewind(engine: Engine) -> None:
    """Cut the last two entries and point the head at the new last one."""
    from services.cases.models import backbone

    log_t, head_t = backbone.audit_log, backbone.audit_head
    with engine.begin() as conn:
        rows = conn.execute(select(log_t).order_by(log_t.c.seq)).all()
        conn.execute(log_t.delete().where(log_t.c.seq > rows[-3].seq))
        conn.execute(update(head_t).values(seq=rows[-3].seq, hash=rows[-3].hash))


@pytest.mark.parametrize(
    "attack, finding",
    [(_rewrite_and_recompute, "rewritten"), (_truncate_and_rewind, "cut from the end")],
    ids=["rewrite-and-recompute", "truncate-and-rewind"],
)
def test_audit_verify_detects_a_database_writer_who_covers_their_tracks(
    operator: Operator, attack, finding: str
):  # type: ignore[no-untyped-def]
    from services.cases.models import backbone

    _record(operator.engine, 6)
    anchored = operator.run("audit", "anchor")
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    assert "cases: anchored at seq" in anchored.stdout
    intact = operator.run("audit", "verify")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "cases: 6 entries, chain intact, anchored up to seq" in intact.stdout

    attack(operator.engine)
    # The chain alone is fooled: that is the attack.
    assert audit.verify(operator.engine, backbone).ok
    assert operator.run("audit", "verify", "--offline").returncode == 0

    tampered = operator.run("audit", "verify")
    assert tampered.returncode == 1, tampered.stdout
    assert "cases: TAMPERED" in tampered.stdout and finding in tampered.stdout
    # The tampered head is never signed afresh, so the evidence stays the newest checkpoint.
    refused = operator.run("audit", "anchor")
    assert refused.returncode == 1
    assert "refusing to sign" in refused.stdout


def test_entries_appended_after_a_checkpoint_verify_and_extend_it(operator: Operator):
    _record(operator.engine, 3)
    assert operator.run("audit", "anchor").returncode == 0
    _record(operator.engine, 2)
    assert "cases: 5 entries, chain intact" in operator.run("audit", "verify").stdout
    assert operator.run("audit", "anchor").returncode == 0
    again = operator.run("audit", "verify")
    assert again.returncode == 0
    assert "anchored up to seq" in again.stdout and "(2 checkpoints)" in again.stdout


def test_audit_verify_refuses_to_vouch_without_the_stream(operator: Operator):
    _record(operator.engine, 1)
    operator.env["KELISIM_NATS_URL"] = "nats://127.0.0.1:1"
    result = operator.run("audit", "verify")
    assert result.returncode == 2
    assert "cannot read the AUDIT stream" in result.stdout


async def test_a_checkpoint_signed_with_another_key_counts_as_forged(
    operator: Operator, tmp_path: Path
):
    _record(operator.engine, 2)
    assert operator.run("audit", "anchor").returncode == 0
    settings = Settings(env="test", data_dir=tmp_path / "forger", nats_url=operator.env[
        "KELISIM_NATS_URL"])  # fmt: skip
    anchors.ensure_audit_key(settings)
    forged = anchors.sign(anchors.load_signing_key(settings), "cases", 99, "0" * 64)
    bus = Bus(settings.nats_url, "forger")
    await bus.connect()
    assert bus.js is not None
    await ensure_streams(bus.js, settings)
    await bus.js.publish("audit.checkpoint.cases", forged.to_json())
    await bus.close()
    result = await asyncio.to_thread(operator.run, "audit", "verify")
    assert result.returncode == 1
    assert "1 with a wrong signature (forged)" in result.stdout
    # The stream refuses to forget: a checkpoint cannot be deleted.
    bus = Bus(settings.nats_url, "eraser")
    await bus.connect()
    assert bus.js is not None
    with pytest.raises(Exception, match="(?i)delete|not allowed|denied"):
        await bus.js.delete_msg("AUDIT", 1)
    await bus.close()


async def test_a_running_process_anchors_its_head_as_it_moves(scratch_engine, tmp_path, bus):  # type: ignore[no-untyped-def]
    settings = Settings(env="test", data_dir=tmp_path, audit_anchor_seconds=0.05)
    anchors.ensure_audit_key(settings)  # what `kelisim up` does before starting the processes
    assert bus.js is not None
    task = asyncio.create_task(
        anchors.run_anchor(bus.js, scratch_engine, scratch_backbone, "scratch", settings)
    )
    try:
        with scratch_engine.begin() as conn:
            for i in range(3):
                audit.append(conn, scratch_backbone, actor="a", action="x", entity="e",
                             entity_id=str(i))  # fmt: skip
        key = anchors.load_verify_key(settings)

        async def anchored_at_3() -> bool:
            cp = await anchors.last_checkpoint(bus.js, "scratch", key)
            return cp is not None and cp.seq == 3

        await eventually(anchored_at_3)
        message = await bus.js.get_last_msg("AUDIT", "audit.checkpoint.scratch")
        assert json.loads(message.data)["hash"] == audit.verify(scratch_engine, scratch_backbone,
                                                                {3}).hashes[3]  # fmt: skip
    finally:
        task.cancel()
