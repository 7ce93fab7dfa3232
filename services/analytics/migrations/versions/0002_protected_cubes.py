"""protected cubes: the materialised figures of each measure's year, and their freshness

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing counters get their cube state from the worker's first round (`cube_schedule.seed`).
    op.create_table(
        "cube_state",
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("cube", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dirty_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("built_version", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dims", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "cube"),
    )
    op.create_table(
        "protected_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("cube", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("dim", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "measure", "cube", "month", "region", "dim", name="uq_protected_figure"
        ),
    )


def downgrade() -> None:
    op.drop_table("protected_figure")
    op.drop_table("cube_state")
