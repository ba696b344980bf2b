"""kudos: a customer's consent to share a compliment, its approval, and TV screens

Revision ID: 0017
Revises: 0016

A card carries the customer's consent to show a compliment publicly and the name they chose for
it, a manager's approval and a withdrawal. New columns and an index only, so SQLite needs no
table rebuild (its card table keeps its FTS triggers). A TV screen's link is stored as a hash.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = api.models.types.IdType


def upgrade() -> None:
    op.add_column(
        "card",
        sa.Column("share_publicly", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "card",
        sa.Column(
            "share_name",
            sqlmodel.sql.sqltypes.AutoString(length=40),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "card", sa.Column("share_approved_at", api.models.types.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "card", sa.Column("share_withdrawn_at", api.models.types.UTCDateTime(), nullable=True)
    )
    op.create_index("ix_card_kudos", "card", ["organisation_id", "share_approved_at"])
    op.create_table(
        "kudos_screen",
        sa.Column("id", ID, nullable=False),
        sa.Column("organisation_id", ID, nullable=False),
        sa.Column("location_id", ID, nullable=True),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", api.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_kudos_screen_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_kudos_screen_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos_screen")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kudos_screen_token_hash")),
    )
    op.create_index(
        op.f("ix_kudos_screen_organisation_id"), "kudos_screen", ["organisation_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_kudos_screen_organisation_id"), table_name="kudos_screen")
    op.drop_table("kudos_screen")
    op.drop_index("ix_card_kudos", table_name="card")
    for column in ("share_withdrawn_at", "share_approved_at", "share_name", "share_publicly"):
        op.drop_column("card", column)
