"""account links: password resets and email changes

Revision ID: 0011
Revises: 0010

One-time links about a person's own account: a link to choose a new password, and a new sign-in
email waiting for the link sent to it to be opened. Both keep only the SHA-256 of their token.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("new_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", api.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_email_change_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_change")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_change_token_hash")),
    )
    with op.batch_alter_table("email_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_change_user_id"), ["user_id"], unique=False)

    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", api.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_password_reset_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_user_id"))
    op.drop_table("password_reset")

    with op.batch_alter_table("email_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_change_user_id"))
    op.drop_table("email_change")
