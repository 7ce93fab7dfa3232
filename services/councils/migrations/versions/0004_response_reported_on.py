"""the day an addressee reported on a recommendation, which decides on time or late

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation_response") as batch:
        batch.add_column(sa.Column("reported_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recommendation_response") as batch:
        batch.drop_column("reported_on")
