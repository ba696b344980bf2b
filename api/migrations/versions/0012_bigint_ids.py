"""64-bit ids on PostgreSQL

Revision ID: 0012
Revises: 0011

Every row id and every foreign key to one becomes BIGINT on PostgreSQL, and each id's sequence
counts as a bigint too: a serial column's sequence keeps its own type (and so its 2^31 - 1
limit) when its column changes. SQLite has nothing to do: `INTEGER PRIMARY KEY` is already the
64-bit rowid and any INTEGER column holds 64 bits.

Each table is altered in one statement, so PostgreSQL rewrites it once; it holds an exclusive
lock on the table while it does. Downgrading fails if an id has gone past 2^31 - 1.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table's id columns: its own id (first, where it has a sequence) and its foreign keys.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": ("id",),
    "user_account": ("id",),
    "alert_preference": ("organisation_id", "user_id"),
    "alert_settings": ("organisation_id",),
    "api_key": ("id", "organisation_id"),
    "card_text": ("organisation_id",),
    "email_change": ("id", "user_id"),
    "employee": ("id", "organisation_id"),
    "invitation": ("id", "organisation_id", "invited_by_id"),
    "location": ("id", "organisation_id"),
    "membership": ("id", "user_id", "organisation_id"),
    "organisation_mail_server": ("organisation_id",),
    "password_reset": ("id", "user_id"),
    "pending_login": ("user_id", "organisation_id"),
    "push_subscription": ("id", "user_id", "organisation_id"),
    "recovery_code": ("id", "user_id"),
    "reply_template": ("id", "organisation_id"),
    "tag": ("id", "organisation_id"),
    "two_factor": ("user_id",),
    "user_session": ("user_id", "organisation_id"),
    "code": ("id", "organisation_id", "location_id", "employee_id"),
    "employee_location": ("employee_id", "location_id"),
    "location_duty": ("location_id", "user_id"),
    "membership_location": ("membership_id", "location_id"),
    "webhook": ("id", "organisation_id", "location_id"),
    "card": (
        "id",
        "organisation_id",
        "code_id",
        "location_id",
        "employee_id",
        "seen_by_id",
        "acknowledged_by_id",
        "resolved_by_id",
        "dismissed_by_id",
        "assignee_id",
    ),
    "alert_delivery": ("id", "organisation_id", "card_id", "user_id", "webhook_id"),
    "card_note": ("id", "organisation_id", "card_id", "author_id"),
    "card_tag": ("card_id", "tag_id"),
    "event": ("id", "organisation_id", "location_id", "card_id", "actor_id"),
    "reply": ("id", "organisation_id", "card_id", "author_id"),
}


def change_id_type(type_name: str) -> None:
    """Every id column and every id sequence to `type_name`; PostgreSQL only."""
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" TYPE {type_name}' for column in columns)
        op.execute(f'ALTER TABLE "{table}" {changes}')
        if columns[0] != "id":
            continue
        sequence = connection.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f'"{table}"'}
        ).scalar()
        if sequence is not None:
            # Its limits follow the type only while they are the old type's own (the default).
            op.execute(f"ALTER SEQUENCE {sequence} AS {type_name}")


def upgrade() -> None:
    change_id_type("BIGINT")


def downgrade() -> None:
    change_id_type("INTEGER")
