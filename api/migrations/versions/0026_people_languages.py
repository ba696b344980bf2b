"""accounts: each person's own language, and the language an invitation is written in

Revision ID: 0026
Revises: 0025

"" on both: a person's pages follow their browser, an invitation the organisation's default.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("user_account", "invitation")


def upgrade() -> None:
    # Existing rows get "", then the server defaults go so that the models stay the truth.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "language",
                    sqlmodel.sql.sqltypes.AutoString(length=12),
                    nullable=False,
                    server_default="",
                )
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("language", server_default=None)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
