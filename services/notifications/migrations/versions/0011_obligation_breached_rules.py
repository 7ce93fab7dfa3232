"""default rules for a breached obligation: the case's mediator and the region's coordinators

Revision ID: 0011
Revises: 0010
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (id, subject, audience, role, scope, in_app, email)
RULES = [
    ("default-breached-mediator", "cases.obligation.breached", "mediator", None, "region", True, True),
    ("default-breached-coordinator", "cases.obligation.breached", "role", "coordinator", "region", True, True),
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
        "DELETE FROM rule WHERE id IN ('default-breached-mediator', 'default-breached-coordinator')"
    ))
