"""card protection: the form's nonce and held cards

Revision ID: 0014
Revises: 0013

A card remembers the nonce of the form it came on (unique: the first card on a form takes it),
whether it is held for a manager's look (a second card on the same form), and whether it raised
alerts (not when held, nor past its code's alert ceiling). All are new columns and an index, so SQLite needs no table rebuild (its card table keeps its FTS triggers).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "card",
        sa.Column("form_nonce", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.add_column(
        "card", sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "card", sa.Column("alerts", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_index("ix_card_form_nonce", "card", ["form_nonce"], unique=True)

    # The card limits' counts (api.protection.database_store): UNLOGGED on PostgreSQL, since a
    # count is worth no disk write and a crash only forgets a few minutes of limits.
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "rate_limit_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_entry")),
        prefixes=unlogged,
    )
    op.create_index("ix_rate_limit_entry_key_at", "rate_limit_entry", ["key", "at"])
    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
        prefixes=unlogged,
    )


def downgrade() -> None:
    op.drop_table("rate_limit_counter")
    op.drop_index("ix_rate_limit_entry_key_at", table_name="rate_limit_entry")
    op.drop_table("rate_limit_entry")
    op.drop_index("ix_card_form_nonce", table_name="card")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would lose the FTS triggers.
    op.drop_column("card", "alerts")
    op.drop_column("card", "held")
    op.drop_column("card", "form_nonce")
