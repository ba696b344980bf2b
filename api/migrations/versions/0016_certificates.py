"""certificates: the compliments leaderboard's settings and certificates of appreciation

Revision ID: 0016
Revises: 0015

An organisation chooses whether staff see the leaderboard and the fewest compliments a person
needs to appear on it. A certificate records a person's period, their count, the quotes a
manager chose and the manager who signed it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = api.models.types.IdType


def upgrade() -> None:
    op.create_table(
        "certificate",
        sa.Column("id", ID, nullable=False),
        sa.Column("organisation_id", ID, nullable=False),
        sa.Column("employee_id", ID, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("compliments", sa.Integer(), nullable=False),
        sa.Column("quote_card_ids", sa.JSON(), nullable=True),
        sa.Column("signed_by_id", ID, nullable=True),
        sa.Column("signed_by_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_certificate_employee_id_employee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_certificate_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["user_account.id"],
            name=op.f("fk_certificate_signed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint(
            "employee_id", "starts_on", "ends_on", name=op.f("uq_certificate_employee_id")
        ),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_organisation_id"), ["organisation_id"], unique=False
        )
    # New columns with server defaults (no table rebuild on SQLite); the defaults stay, as
    # 0014's on the card do.
    op.add_column(
        "organisation",
        sa.Column("leaderboard_for_staff", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "organisation",
        sa.Column("leaderboard_minimum", sa.Integer(), nullable=False, server_default="3"),
    )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("leaderboard_minimum")
        batch_op.drop_column("leaderboard_for_staff")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_organisation_id"))
    op.drop_table("certificate")
