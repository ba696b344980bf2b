"""kiosks: tablets that show one code's card to customer after customer

Revision ID: 0019
Revises: 0018

A kiosk holds the hash of its device token (the secret in the link the tablet opens), the code
whose card it shows, and when it was last seen and revoked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = api.models.types.IdType


def upgrade() -> None:
    op.create_table(
        "kiosk",
        sa.Column("id", ID, nullable=False),
        sa.Column("organisation_id", ID, nullable=False),
        sa.Column("code_id", ID, nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", api.models.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", api.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_kiosk_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"], ["code.id"], name=op.f("fk_kiosk_code_id_code"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosk_token_hash")),
    )
    op.create_index(op.f("ix_kiosk_organisation_id"), "kiosk", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_kiosk_organisation_id"), table_name="kiosk")
    op.drop_table("kiosk")
