"""covering indexes for reading the caseload a mediator at a time

The caseload reads each mediator's counters of a region and, per mediator, the sum of the
terms that end today or later: (region, mediator, status, cases) and (region, mediator,
deadline, cases) answer both from the index alone, one seek per mediator. The term index by
(region, deadline, ...) served a region-wide sum that is no longer made.

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
        "ix_mediator_load_cases", "mediator_load", ["region", "mediator", "status", "cases"]
    )
    op.create_index(
        "ix_mediator_term_mediator", "mediator_term", ["region", "mediator", "deadline", "cases"]
    )
    op.drop_index("ix_mediator_term_due", table_name="mediator_term")


def downgrade() -> None:
    op.create_index(
        "ix_mediator_term_due", "mediator_term", ["region", "deadline", "mediator", "cases"]
    )
    op.drop_index("ix_mediator_term_mediator", table_name="mediator_term")
    op.drop_index("ix_mediator_load_cases", table_name="mediator_load")
