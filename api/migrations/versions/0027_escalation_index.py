"""cards: a partial index of the cards an escalation may still be owed for

Revision ID: 0027
Revises: 0026

The worker's look for unacknowledged negative cards, every 15 seconds across organisations, read
the whole card table through ix_card_inbox (132 ms at a million cards on PostgreSQL); this index
holds only those cards, by time. The condition is api.models.card.AWAITING_ESCALATION's, written
out here as it was when this revision was made.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWAITING_ESCALATION = "rating <= 2 AND alerts AND status IN ('new', 'seen')"


def upgrade() -> None:
    op.create_index(
        "ix_card_escalation",
        "card",
        ["created_at"],
        postgresql_where=sa.text(AWAITING_ESCALATION),
        sqlite_where=sa.text(AWAITING_ESCALATION),
    )


def downgrade() -> None:
    op.drop_index("ix_card_escalation", table_name="card")
