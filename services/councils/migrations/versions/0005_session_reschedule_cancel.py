"""a session's calendar sequence and the time it was cancelled

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 16:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("council_session") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("council_session") as batch:
        batch.drop_column("sequence")
        batch.drop_column("cancelled_at")
