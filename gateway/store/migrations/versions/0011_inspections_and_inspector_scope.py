"""inspections, their items and photos; inspector tokens scoped to communities; the
responsible person's e-mail; a ticket's inspection

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inspections',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('building_id', sa.String(length=64), nullable=False),
        sa.Column('community', sa.Text(), nullable=True),
        sa.Column('venue_type', sa.String(length=32), nullable=True),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('at_ms', sa.BigInteger(), nullable=False),
        sa.Column('inspector', sa.String(length=128), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    )
    op.create_index(op.f('ix_inspections_building_id'), 'inspections', ['building_id'])
    op.create_index('ix_inspections_quarter_building', 'inspections', ['quarter', 'building_id'])
    op.create_table(
        'inspection_items',
        sa.Column('inspection_id', sa.String(length=26), nullable=False),
        sa.Column('item', sa.String(length=32), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('photo_id', sa.String(length=26), nullable=True),
        sa.Column('ticket_id', sa.String(length=26), nullable=True),
        sa.PrimaryKeyConstraint('inspection_id', 'item', name=op.f('pk_inspection_items')),
    )
    op.create_table(
        'photos',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('building_id', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=16), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_ms', sa.BigInteger(), nullable=False),
        sa.Column('created_by', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    )
    op.create_index(op.f('ix_photos_building_id'), 'photos', ['building_id'])
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('communities', sa.Text(), nullable=True))
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection_id', sa.String(length=26), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_inspection_id'), ['inspection_id'])


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_inspection_id'))
        batch_op.drop_column('inspection_id')
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_column('responsible_email')
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_column('communities')
    op.drop_index(op.f('ix_photos_building_id'), table_name='photos')
    op.drop_table('photos')
    op.drop_table('inspection_items')
    op.drop_index('ix_inspections_quarter_building', table_name='inspections')
    op.drop_index(op.f('ix_inspections_building_id'), table_name='inspections')
    op.drop_table('inspections')
