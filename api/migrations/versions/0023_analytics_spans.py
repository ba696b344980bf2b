"""analytics: the summaries again per block of whole UTC days

Revision ID: 0023
Revises: 0022

The counts of analytics_bucket and analytics_response summed per block of `span` quarter-hours
(a day, 8 days, 64 days) from `quarter` on, so that a long period reads a few blocks. Filled from
the quarter-hour rows here; kept with them from then on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEYS = ("organisation_id", "span", "quarter", "location_id", "employee_id", "code_id")
COUNTS = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "replies", "passed_on")
SPANS = (96, 768, 6144)


def _keys() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("organisation_id", Id, nullable=False),
        sa.Column("span", sa.Integer(), nullable=False),
        sa.Column("quarter", Id, nullable=False),
        sa.Column("location_id", Id, nullable=False),
        sa.Column("employee_id", Id, nullable=False),
        sa.Column("code_id", Id, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "analytics_span",
        *_keys(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"],
            name=op.f("fk_analytics_span_organisation_id_organisation"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*KEYS, name=op.f("pk_analytics_span")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_span_response",
        *_keys(),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"],
            name=op.f("fk_analytics_span_response_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*KEYS, "step", "minutes", name=op.f("pk_analytics_span_response")),
        sqlite_with_rowid=False,
    )
    dims = "location_id, employee_id, code_id"
    for span in SPANS:
        block = f"(quarter / {span}) * {span}"
        sums = ", ".join(f"SUM({name})" for name in COUNTS)
        op.execute(
            f"INSERT INTO analytics_span (organisation_id, span, quarter, {dims}, "
            f"{', '.join(COUNTS)}) SELECT organisation_id, {span}, {block}, {dims}, {sums} "
            f"FROM analytics_bucket GROUP BY organisation_id, {block}, {dims}"
        )
        op.execute(
            f"INSERT INTO analytics_span_response (organisation_id, span, quarter, {dims}, "
            f"step, minutes, cards) SELECT organisation_id, {span}, {block}, {dims}, step, "
            f"minutes, SUM(cards) FROM analytics_response "
            f"GROUP BY organisation_id, {block}, {dims}, step, minutes"
        )


def downgrade() -> None:
    op.drop_table("analytics_span_response")
    op.drop_table("analytics_span")
