"""staff: a staff membership's employee, staff sign-in links, two-factor for staff

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import api.models.types
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_id", ID, nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_membership_employee_id"), ["employee_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_membership_employee_id_employee"),
            "employee",
            ["employee_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employee_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitation_employee_id_employee"),
            "employee",
            ["employee_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "require_two_factor_staff", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "staff_sign_in",
        sa.Column("id", ID, nullable=False),
        sa.Column("membership_id", ID, nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", api.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_staff_sign_in_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sign_in")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sign_in_token_hash")),
    )
    with op.batch_alter_table("staff_sign_in", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_sign_in_membership_id"), ["membership_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_sign_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sign_in_membership_id"))
    op.drop_table("staff_sign_in")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("require_two_factor_staff")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitation_employee_id_employee"), type_="foreignkey"
        )
        batch_op.drop_column("employee_id")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_membership_employee_id_employee"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_membership_employee_id"), type_="unique")
        batch_op.drop_column("employee_id")
