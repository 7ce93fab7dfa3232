"""a version token per region for the caseload, so a computed caseload can be served again

Every change of a region's caseload counters sets a new random token on the region's row in
the same transaction; a reader that finds the token it computed a caseload under serves it
again without summing the counters. Regions without a row yet are computed every time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 11:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caseload_version",
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("region"),
    )


def downgrade() -> None:
    op.drop_table("caseload_version")
