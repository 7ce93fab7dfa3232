"""notification.actor: who caused the event is not told of it by a role's notice

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for notifications written before it: they stay as they were, for everyone.
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("actor", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("actor")
