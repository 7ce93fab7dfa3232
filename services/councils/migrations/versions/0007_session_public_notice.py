"""a moved or cancelled session's public notice: the time it was moved from and the reason

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions moved or cancelled before keep their reasons in the audit trail only: they were
    # given for the members, never published, so nothing is copied here.
    with op.batch_alter_table("council_session") as batch:
        batch.add_column(sa.Column("moved_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("public_reason", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("council_session") as batch:
        batch.drop_column("public_reason")
        batch.drop_column("moved_from")
