"""registration idempotency through the shared idempotency_record table

The case row no longer keeps the Idempotency-Key of its registration: registrations are
answered once per key through kelisim.idempotency (table idempotency_record, 0002).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


@contextmanager
def _foreign_keys_off() -> Iterator[None]:
    """SQLite rebuilds `case` to drop a constraint: its children must not see it dropped.

    `PRAGMA foreign_keys` is ignored inside a transaction, so on SQLite the transaction is
    ended around the rebuild (SQLite's documented procedure for altering a table), and the
    references are checked before foreign keys are enforced again.
    """
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = op.get_bind().connection.dbapi_connection
    _between_transactions(raw, "PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"rows refer to missing cases: {broken[:5]}")
    finally:
        _between_transactions(raw, "PRAGMA foreign_keys=ON")


def _between_transactions(raw, pragma: str) -> None:  # type: ignore[no-untyped-def]
    if raw.in_transaction:
        raw.execute("COMMIT")
    raw.execute(pragma)
    raw.execute("BEGIN IMMEDIATE")


def upgrade() -> None:
    with _foreign_keys_off(), op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint("uq_case_idempotency", type_="unique")
        batch_op.drop_column("idempotency_key")


def downgrade() -> None:
    with _foreign_keys_off(), op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )
        batch_op.create_unique_constraint(
            "uq_case_idempotency", ["registered_by", "idempotency_key"]
        )
