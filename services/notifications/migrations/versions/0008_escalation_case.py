"""escalation.case_id, case_number: staff notices of an escalation link to and name its case

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for escalations received before the event carried them: their notices link to
    # the escalations page.
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("case_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("case_number", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("case_number")
        batch.drop_column("case_id")
