"""default rules for a reviewed practice note: its author is told it was published or returned

Revision ID: 0006
Revises: 0005
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (id, subject, audience, role, scope, in_app, email): a returned note waits for its author,
# so it is e-mailed too; a published one needs nothing from them.
RULES = [
    ("default-case-note-returned-author", "cases.practice_note.returned", "author", None, "region", True, True),
    ("default-case-note-published-author", "cases.practice_note.published", "author", None, "region", True, False),
    ("default-council-note-returned-author", "councils.practice_note.returned", "author", None, "region", True, True),
    ("default-council-note-published-author", "councils.practice_note.published", "author", None, "region", True, False),
]


def upgrade() -> None:
    now = datetime.now(timezone.utc)
    rule = sa.table(
        "rule",
        sa.column("id", sa.String), sa.column("subject", sa.String),
        sa.column("audience", sa.String), sa.column("role", sa.String),
        sa.column("scope", sa.String), sa.column("in_app", sa.Boolean),
        sa.column("email", sa.Boolean), sa.column("enabled", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(rule, [
        {"id": i, "subject": s, "audience": a, "role": r, "scope": sc, "in_app": ia,
         "email": em, "enabled": True, "created_at": now, "updated_at": now}
        for i, s, a, r, sc, ia, em in RULES
    ])


def downgrade() -> None:
    ids = ", ".join(f"'{i}'" for i, *_ in RULES)
    op.execute(sa.text(f"DELETE FROM rule WHERE id IN ({ids})"))
