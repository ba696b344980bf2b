"""recognition: compliments passed on to their employee

Revision ID: 0013
Revises: 0012

A positive card that names an employee can be passed on to them once, with a manager's note
(`pass_on`). Employees get a language of their own for that email ("" keeps the organisation's),
and the digest's reminder of compliments still waiting gets its delay in days.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = api.models.types.IdType


def upgrade() -> None:
    op.create_table(
        "pass_on",
        sa.Column("id", ID, nullable=False),
        sa.Column("organisation_id", ID, nullable=False),
        sa.Column("card_id", ID, nullable=False),
        sa.Column("employee_id", ID, nullable=True),
        sa.Column("passed_on_by_id", ID, nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("copy_to", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", api.models.types.UTCDateTime(), nullable=False),
        sa.Column("email_status", sa.String(length=12), nullable=False),
        sa.Column("email_to", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("email_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("customer_email_status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["card.id"], name=op.f("fk_pass_on_card_id_card"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_pass_on_employee_id_employee"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_pass_on_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["passed_on_by_id"],
            ["user_account.id"],
            name=op.f("fk_pass_on_passed_on_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pass_on")),
        sa.UniqueConstraint("card_id", name=op.f("uq_pass_on_card_id")),
    )
    with op.batch_alter_table("pass_on", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pass_on_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pass_on_organisation_id"), ["organisation_id"], unique=False
        )
    # Existing rows get the defaults; the server defaults go again so the models stay the truth.
    with op.batch_alter_table("alert_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "compliment_reminder_days", sa.Integer(), nullable=False, server_default="3"
            )
        )
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "language",
                sqlmodel.sql.sqltypes.AutoString(length=12),
                nullable=False,
                server_default="",
            )
        )
    with op.batch_alter_table("alert_settings", schema=None) as batch_op:
        batch_op.alter_column("compliment_reminder_days", server_default=None)
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.alter_column("language", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("alert_settings", schema=None) as batch_op:
        batch_op.drop_column("compliment_reminder_days")
    with op.batch_alter_table("pass_on", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pass_on_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_pass_on_employee_id"))
    op.drop_table("pass_on")
