"""a covering index for reading a mediator's terms that have not ended

The caseload sums, per mediator, the in-mediation cases whose term ends today or later:
(region, mediator, deadline, cases) answers it from the index alone, one seek per mediator.
It replaces (region, deadline, mediator, cases), which served a region-wide sum no longer
made, so a counter change still updates one secondary index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:30:00.000000
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_mediator_term_mediator", "mediator_term", ["region", "mediator", "deadline", "cases"]
    )
    op.drop_index("ix_mediator_term_due", table_name="mediator_term")


def downgrade() -> None:
    op.create_index(
        "ix_mediator_term_due", "mediator_term", ["region", "deadline", "mediator", "cases"]
    )
    op.drop_index("ix_mediator_term_mediator", table_name="mediator_term")
