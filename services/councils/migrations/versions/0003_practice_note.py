"""practice notes drafted from implemented recommendations (issue 16)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_note",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("recommendation_id", sa.String(length=32), nullable=False),
        sa.Column("council_id", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("persons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("remark", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_practice_note_author", "practice_note", ["author"])
    op.create_index("ix_practice_note_council_id", "practice_note", ["council_id"])
    op.create_index("ix_practice_note_recommendation_id", "practice_note", ["recommendation_id"])


def downgrade() -> None:
    op.drop_index("ix_practice_note_recommendation_id", table_name="practice_note")
    op.drop_index("ix_practice_note_council_id", table_name="practice_note")
    op.drop_index("ix_practice_note_author", table_name="practice_note")
    op.drop_table("practice_note")
