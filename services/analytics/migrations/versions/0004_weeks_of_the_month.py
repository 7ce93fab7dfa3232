"""weeks of the month: counter periods and protected figures get room for `YYYY-MM-Www`

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:40:00
"""

import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # A batch alter: PostgreSQL alters the column, SQLite copies the table with the new type.
    with op.batch_alter_table("counter") as batch:
        batch.alter_column("period", type_=S(length=16), existing_type=S(length=10))
    with op.batch_alter_table("protected_figure") as batch:
        batch.alter_column("month", type_=S(length=16), existing_type=S(length=7))


def downgrade() -> None:
    op.execute("DELETE FROM protected_figure WHERE length(month) > 7")
    op.execute("DELETE FROM counter WHERE length(period) > 10")
    with op.batch_alter_table("protected_figure") as batch:
        batch.alter_column("month", type_=S(length=7), existing_type=S(length=16))
    with op.batch_alter_table("counter") as batch:
        batch.alter_column("period", type_=S(length=10), existing_type=S(length=16))
