"""default rules for a council session moved or called off: its members, who had the notice

Revision ID: 0010
Revises: 0009
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (id, subject, audience, role, scope, in_app, email)
RULES = [
    ("default-session-rescheduled-members", "councils.session.rescheduled", "role", "council_member", "council", True, True),
    ("default-session-cancelled-members", "councils.session.cancelled", "role", "council_member", "council", True, True),
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
    op.execute(sa.text(
        "DELETE FROM rule WHERE id IN "
        "('default-session-rescheduled-members', 'default-session-cancelled-members')"
    ))
