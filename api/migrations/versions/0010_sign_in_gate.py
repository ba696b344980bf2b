"""sign-in gate

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 07:18:59.643060

Sessions remember whether their sign-in passed a second factor (existing sessions did not
prove it: people with two-factor on sign in once more); a half-finished sign-in remembers the
organisation it opens; a push subscription belongs to its person and organisation, not to the
device's endpoint alone, and remembers the session that sent it (signing out stops its alerts).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pending_login_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_push_subscription_endpoint'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_push_subscription_endpoint'), ['endpoint', 'user_id', 'organisation_id'])
        batch_op.add_column(sa.Column('session_id', sa.String(length=64), nullable=True))

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_factor', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_column('second_factor')

    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_column('session_id')
        batch_op.drop_constraint(batch_op.f('uq_push_subscription_endpoint'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_push_subscription_endpoint'), ['endpoint'])

    with op.batch_alter_table('pending_login', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pending_login_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_column('organisation_id')

