"""practice library: notes from the cases and councils events, their search terms and marks

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 04:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "practice_note",
        sa.Column("note_id", S(length=64), nullable=False),
        sa.Column("source_kind", S(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("region", S(length=8), nullable=False),
        sa.Column("category", S(length=40), nullable=False),
        sa.Column("outcome", S(length=30), nullable=False),
        sa.Column("language", S(length=2), nullable=False),
        sa.Column("languages", S(length=10), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("author_role", S(length=30), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("remark", S(length=2000), nullable=False),
        sa.Column("reviewer_region", S(length=8), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("useful", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("note_id"),
    )
    for column in ("region", "category", "status", "published_at"):
        op.create_index(f"ix_practice_note_{column}", "practice_note", [column])
    op.create_table(
        "practice_note_term",
        sa.Column("note_id", S(length=64), nullable=False),
        sa.Column("term", S(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("note_id", "term"),
    )
    op.create_index("ix_practice_note_term_term", "practice_note_term", ["term"])
    op.create_table(
        "practice_note_mark",
        sa.Column("note_id", S(length=64), nullable=False),
        sa.Column("marker", S(length=64), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("note_id", "marker"),
    )


def downgrade() -> None:
    op.drop_table("practice_note_mark")
    op.drop_index("ix_practice_note_term_term", table_name="practice_note_term")
    op.drop_table("practice_note_term")
    for column in ("region", "category", "status", "published_at"):
        op.drop_index(f"ix_practice_note_{column}", table_name="practice_note")
    op.drop_table("practice_note")
