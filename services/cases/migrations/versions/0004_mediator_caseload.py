"""per-mediator caseload counters (mediator_load, mediator_term), filled from the cases

The caseload is read from counters kept in the same transaction as each case change
(services/cases/caseload.py) instead of a scan of the region's cases; the scan's index
ix_case_caseload goes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ACTIVE = ("registered", "assigned", "in_mediation", "settled")


def upgrade() -> None:
    op.create_table(
        "mediator_load",
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("mediator", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region", "mediator", "status"),
    )
    op.create_table(
        "mediator_term",
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("mediator", sa.String(length=100), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region", "mediator", "deadline"),
    )
    op.create_index(
        "ix_mediator_term_due", "mediator_term", ["region", "deadline", "mediator", "cases"]
    )
    active = ", ".join(f"'{s}'" for s in ACTIVE)
    op.execute(
        "INSERT INTO mediator_load (region, mediator, status, cases) "
        'SELECT region, mediator, status, count(*) FROM "case" '
        f"WHERE mediator IS NOT NULL AND status IN ({active}) GROUP BY region, mediator, status"
    )
    op.execute(
        "INSERT INTO mediator_term (region, mediator, deadline, cases) "
        'SELECT region, mediator, deadline, count(*) FROM "case" '
        "WHERE mediator IS NOT NULL AND status = 'in_mediation' AND deadline IS NOT NULL "
        "GROUP BY region, mediator, deadline"
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_caseload")


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_caseload", ["region", "mediator", "status", "deadline"], unique=False
        )
    op.drop_index("ix_mediator_term_due", table_name="mediator_term")
    op.drop_table("mediator_term")
    op.drop_table("mediator_load")
