"""proposal regions: the regions a proposal is about, which bound its reviewers and reports

A proposal written before it had regions is taken as national (every region and the
republic level): only a national analyst reviews it and only the national report prints it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As the code had them when this was written: the twenty regions and the republic level.
_NATIONAL = [
    *("KZ-10 KZ-11 KZ-15 KZ-19 KZ-23 KZ-27 KZ-31 KZ-33 KZ-35 KZ-39".split()),
    *("KZ-43 KZ-47 KZ-55 KZ-59 KZ-61 KZ-62 KZ-63 KZ-71 KZ-75 KZ-79".split()),
    "KZ",
]


def upgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regions", sa.JSON(), nullable=True))
    proposal = sa.table("proposal", sa.column("regions", sa.JSON()))
    op.execute(proposal.update().values(regions=_NATIONAL))
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.alter_column("regions", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("regions")
