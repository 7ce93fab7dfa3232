"""a session's reason code: why the service itself cancelled it (the mediation ended)

A session the service cancels when the mediation ends kept the reason a user gave for an
earlier postponement, and showed it as the reason of the cancellation; the service's own
reason is a code the web UI translates.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 15:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mediation_session") as batch:
        batch.add_column(sa.Column("reason_code", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mediation_session") as batch:
        batch.drop_column("reason_code")
