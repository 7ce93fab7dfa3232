"""recipient.full_name: notices name a staff member as people know them, not by login

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty until the gateway next announces the account; a notice then names the login.
    with op.batch_alter_table("recipient") as batch:
        batch.add_column(sa.Column("full_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recipient") as batch:
        batch.drop_column("full_name")
