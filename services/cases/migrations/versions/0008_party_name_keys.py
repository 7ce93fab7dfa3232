"""spelling-independent keys of party names, for search and for earlier cases of a party

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from kelisim.names import name_key, name_words, word_key

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("party") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=300), nullable=False, server_default=""))
        batch.create_index("ix_party_name_key", ["name_key"])
    op.create_table(
        "party_name_word",
        sa.Column("party_id", sa.String(length=32), sa.ForeignKey("party.id"), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("party_id", "word"),
    )
    op.create_index("ix_party_name_word_word", "party_name_word", ["word", "case_id"])
    # Existing parties get their keys here, once; new ones when they are registered.
    conn = op.get_bind()
    party = sa.table(
        "party", sa.column("id", sa.String), sa.column("case_id", sa.String),
        sa.column("name", sa.String), sa.column("name_key", sa.String),
    )
    words = sa.table(
        "party_name_word", sa.column("party_id", sa.String), sa.column("word", sa.String),
        sa.column("case_id", sa.String),
    )
    for pid, case_id, name in conn.execute(sa.select(party.c.id, party.c.case_id, party.c.name)).all():
        conn.execute(party.update().where(party.c.id == pid).values(name_key=name_key(name)[:300]))
        keys = sorted({word_key(w)[:100] for w in name_words(name)} - {""})
        if keys:
            conn.execute(words.insert(), [{"party_id": pid, "word": k, "case_id": case_id} for k in keys])


def downgrade() -> None:
    op.drop_index("ix_party_name_word_word", table_name="party_name_word")
    op.drop_table("party_name_word")
    with op.batch_alter_table("party") as batch:
        batch.drop_index("ix_party_name_key")
        batch.drop_column("name_key")
