"""protocol documents: signed PDFs per language, signing times, the published hash indexed

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel



revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('protocol_document',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('protocol_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('unsigned_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocol.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('protocol_id', 'lang', name='uq_protocol_document_lang')
    )
    with op.batch_alter_table('protocol_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protocol_document_protocol_id'), ['protocol_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_protocol_document_sha256'), ['sha256'], unique=True)

    with op.batch_alter_table('protocol', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_by_chair_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('signed_by_secretary_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_protocol_sha256'), ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('protocol', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protocol_sha256'))
        batch_op.drop_column('signed_by_secretary_at')
        batch_op.drop_column('signed_by_chair_at')

    with op.batch_alter_table('protocol_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protocol_document_sha256'))
        batch_op.drop_index(batch_op.f('ix_protocol_document_protocol_id'))

    op.drop_table('protocol_document')
