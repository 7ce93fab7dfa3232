"""council figures in full: the protected council and recommendation cubes are protected again

Council and recommendation figures are no longer suppressed (they are about councils and state
bodies, published item by item anyway): their stored cubes are marked due, so the cube worker
protects them again under the rule of the code that runs (the downgrade does the same).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 15:20:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DUE = (
    "UPDATE cube_state SET version = version + 1"
    " WHERE measure LIKE 'councils.%' OR measure LIKE 'recommendations.%'"
)


def upgrade() -> None:
    op.execute(_DUE)


def downgrade() -> None:
    op.execute(_DUE)
