"""venue attributes of buildings; hazard class, source, supervision and referral of tickets

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 23:30:00

Ticket venue types take the contract's names (wave 1 had three of its own).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_RENAMED = {
    'beauty_bath': 'bathhouse',
    'self_built_house': 'self_built',
    'high_rise': 'high_rise_residential',
}


def upgrade() -> None:
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('floors', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('responsible_person', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('responsible_phone', sa.String(length=32), nullable=True))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hazard_class', sa.String(length=8), server_default='general', nullable=False))
        batch_op.add_column(sa.Column('hazard_criterion', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='manual', nullable=False))
        batch_op.add_column(sa.Column('supervised_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('referred_to', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('referred_ms', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('referral_reply', sa.Text(), nullable=True))

    tickets = sa.table('tickets', sa.column('alarm_id'), sa.column('source'), sa.column('venue_type'))
    op.execute(tickets.update().where(tickets.c.alarm_id.is_not(None)).values(source='alarm'))
    for old, new in _RENAMED.items():
        op.execute(tickets.update().where(tickets.c.venue_type == old).values(venue_type=new))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for column in ('referral_reply', 'referred_ms', 'referred_to', 'supervised_ms',
                       'source', 'hazard_criterion', 'hazard_class'):
            batch_op.drop_column(column)
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        for column in ('responsible_phone', 'responsible_person', 'floors', 'venue_type'):
            batch_op.drop_column(column)
