"""setup: a location can be archived (its cards stay; its codes are revoked)

Revision ID: 0025
Revises: 0024

An employee is archived through `employee.active`, which already takes them off the card and
revokes their codes; a location had no such state.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.models.types

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "location", sa.Column("archived_at", api.models.types.UTCDateTime(), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
