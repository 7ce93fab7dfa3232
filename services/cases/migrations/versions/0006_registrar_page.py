"""index for a mediator's list of the cases they registered

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:40:00.000000
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_case_registrar_page", "case", ["registered_by", "registered_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_registrar_page", table_name="case")
