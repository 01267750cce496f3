"""public hazard reports (举报) and the risk index's last levels

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'public_reports',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('tracking_code', sa.String(length=16), nullable=False),
        sa.Column('building_id', sa.String(length=64), nullable=False),
        sa.Column('category', sa.String(length=24), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('photo_id', sa.String(length=26), nullable=True),
        sa.Column('contact', sa.String(length=32), nullable=True),
        sa.Column('address_digest', sa.String(length=64), nullable=False),
        sa.Column('ticket_id', sa.String(length=26), nullable=True),
        sa.Column('folded_into', sa.String(length=26), nullable=True),
        sa.Column('created_ms', sa.BigInteger(), nullable=False),
        sa.Column('rewarded_ms', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_reports')),
        sa.UniqueConstraint('tracking_code', name=op.f('uq_public_reports_tracking_code')),
    )
    op.create_index(op.f('ix_public_reports_building_id'), 'public_reports', ['building_id'])
    op.create_index(op.f('ix_public_reports_ticket_id'), 'public_reports', ['ticket_id'])
    op.create_index(op.f('ix_public_reports_created_ms'), 'public_reports', ['created_ms'])
    op.create_table(
        'risk_levels',
        sa.Column('building_id', sa.String(length=64), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('factors', sa.Text(), nullable=False),
        sa.Column('computed_ms', sa.BigInteger(), nullable=False),
        sa.Column('changed_ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('building_id', name=op.f('pk_risk_levels')),
    )


def downgrade() -> None:
    op.drop_table('risk_levels')
    op.drop_index(op.f('ix_public_reports_created_ms'), table_name='public_reports')
    op.drop_index(op.f('ix_public_reports_ticket_id'), table_name='public_reports')
    op.drop_index(op.f('ix_public_reports_building_id'), table_name='public_reports')
    op.drop_table('public_reports')
