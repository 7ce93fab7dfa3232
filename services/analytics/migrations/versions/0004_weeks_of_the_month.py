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
    # SQLite does not enforce a string's length; PostgreSQL's varchar does.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column("counter", "period", type_=S(length=16), existing_type=S(length=10))
    op.alter_column("protected_figure", "month", type_=S(length=16), existing_type=S(length=7))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DELETE FROM protected_figure WHERE length(month) > 7")
    op.execute("DELETE FROM counter WHERE length(period) > 10")
    op.alter_column("protected_figure", "month", type_=S(length=7), existing_type=S(length=16))
    op.alter_column("counter", "period", type_=S(length=10), existing_type=S(length=16))
