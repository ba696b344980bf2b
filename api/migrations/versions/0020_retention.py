"""retention: each organisation's policy and the job's last run

Revision ID: 0020
Revises: 0019

A new table only: organisations that exist have no policy, so an upgrade removes nothing until an
owner sets one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import api.models.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = api.models.types.IdType


def upgrade() -> None:
    op.create_table(
        "retention_policy",
        sa.Column("organisation_id", ID, nullable=False),
        sa.Column("contact_days", sa.Integer(), nullable=True),
        sa.Column("card_days", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_contacts_wiped", sa.Integer(), nullable=False),
        sa.Column("last_cards_deleted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_retention_policy_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_retention_policy")),
    )


def downgrade() -> None:
    op.drop_table("retention_policy")
