"""escalation.risk_of: the liaison is told whether the interethnic or interfaith accord is at risk

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for escalations received before the event carried it.
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("risk_of", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("risk_of")
