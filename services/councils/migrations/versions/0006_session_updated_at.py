"""when a session last changed: the calendar feed's DTSTAMP

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions saved before have no record of their last change: the migration's time stands
    # for it, the same at every fetch until the session changes again.
    with op.batch_alter_table("council_session") as batch:
        batch.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("council_session") as batch:
        batch.drop_column("updated_at")
