"""The audit chain: every entry hash-linked; any edit, deletion or truncation is found."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kelisim import audit
from kelisim.uow import Actor, UnitOfWork
from tests.support.scratch import backbone


def record(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with UnitOfWork(engine, backbone, source="/t", actor=Actor("coordinator1")) as uow:
            uow.audit(
                "case.assigned",
                "case",
                f"c{i % 3}",
                before={"mediator": None},
                after={"mediator": f"m{i}"},
            )
            uow.commit()


def test_an_untouched_chain_verifies(scratch_engine):
    record(scratch_engine, 12)
    result = audit.verify(scratch_engine, backbone)
    assert (result.ok, result.entries) == (True, 12)


def test_a_rolled_back_change_leaves_no_audit_entry(scratch_engine):
    record(scratch_engine, 2)
    with UnitOfWork(scratch_engine, backbone, source="/t") as uow:
        uow.audit("case.refused", "case", "c9", after={"status": "refused"})
        # no commit: the refused change is rolled back with its audit entry
    result = audit.verify(scratch_engine, backbone)
    assert (result.ok, result.entries) == (True, 2)


@pytest.mark.parametrize(
    "tamper, problem",
    [
        (
            lambda t: (
                t.audit_log.update().where(t.audit_log.c.seq == 5).values(after='{"mediator":"x"}')
            ),
            "altered",
        ),
        (
            lambda t: (
                t.audit_log.update().where(t.audit_log.c.seq == 5).values(actor="someone-else")
            ),
            "altered",
        ),
        (lambda t: t.audit_log.delete().where(t.audit_log.c.seq == 5), "missing"),
        (lambda t: t.audit_log.delete().where(t.audit_log.c.seq == 10), "deleted from the end"),
    ],
    ids=["edited-content", "edited-actor", "deleted-middle", "deleted-last"],
)
def test_any_tampering_is_detected(scratch_engine, tamper, problem):
    record(scratch_engine, 10)
    with scratch_engine.begin() as conn:
        conn.execute(tamper(backbone))
    result = audit.verify(scratch_engine, backbone)
    assert not result.ok
    assert problem in (result.problem or "")


def test_history_lists_an_entitys_changes_in_order(scratch_engine):
    record(scratch_engine, 6)
    with scratch_engine.connect() as conn:
        entries = audit.history(conn, backbone, "case", "c1")
        total = len(list(conn.execute(select(backbone.audit_log.c.seq))))
    assert total == 6
    assert [e["after"]["mediator"] for e in entries] == ["m1", "m4"]
    assert all(e["actor"] == "coordinator1" for e in entries)


def test_concurrent_writers_never_fork_the_chain(scratch_engine):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: record(scratch_engine, 15), range(6)))
    result = audit.verify(scratch_engine, backbone)
    assert (result.ok, result.entries) == (True, 90)


def test_a_unit_of_works_entries_join_the_chain_at_commit_in_the_order_given(scratch_engine):
    """Several entries of one change: one append at commit, chained in call order.

    A snapshot is taken when the entry is added, so changing the dict afterwards does not
    change what the audit says.
    """
    record(scratch_engine, 2)
    after = {"status": "settled"}
    with UnitOfWork(scratch_engine, backbone, source="/t", actor=Actor("mediator7")) as uow:
        uow.audit("case.settled", "case", "c5", after=after)
        after["status"] = "changed later"
        uow.audit("obligation.added", "obligation", "o1", after={"due": "2026-12-31"})
        uow.audit("obligation.added", "obligation", "o2", after={"due": "2027-01-31"})
        with scratch_engine.connect() as other:  # nothing is written before the commit
            assert len(list(other.execute(select(backbone.audit_log.c.seq)))) == 2
        uow.commit()
    result = audit.verify(scratch_engine, backbone)
    assert (result.ok, result.entries) == (True, 5)
    with scratch_engine.connect() as conn:
        rows = conn.execute(select(backbone.audit_log).order_by(backbone.audit_log.c.seq)).all()
        head = conn.execute(select(backbone.audit_head)).one()
    assert [(r.action, r.entity_id) for r in rows[2:]] == [
        ("case.settled", "c5"),
        ("obligation.added", "o1"),
        ("obligation.added", "o2"),
    ]
    assert rows[2].after == '{"status":"settled"}'
    assert [r.prev_hash for r in rows[3:]] == [rows[2].hash, rows[3].hash]
    assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
