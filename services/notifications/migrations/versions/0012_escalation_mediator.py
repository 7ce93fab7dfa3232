"""escalation.mediator: the case's mediator is told when the liaison accepts the escalation

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for escalations received before the event carried it: their acceptance is told
    # to the region's coordinators alone.
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("mediator", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("mediator")
