"""analytics: summaries per UTC quarter-hour

Revision ID: 0021
Revises: 0020

Counts per quarter-hour, location, employee and code (cards by rating, replies, compliments
passed on) and a histogram of how fast negative cards were handled. They hold plain ids, not
foreign keys to the cards, so deleting old cards leaves their figures. The cards stored
before this revision are counted by `tellus analytics rebuild`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _keys() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("organisation_id", Id, nullable=False),
        sa.Column("quarter", Id, nullable=False),
        sa.Column("location_id", Id, nullable=False),
        sa.Column("employee_id", Id, nullable=False),
        sa.Column("code_id", Id, nullable=False),
    ]


def upgrade() -> None:
    counts = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "replies", "passed_on")
    op.create_table(
        "analytics_bucket",
        *_keys(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"],
            name=op.f("fk_analytics_bucket_organisation_id_organisation"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "quarter", "location_id", "employee_id", "code_id",
            name=op.f("pk_analytics_bucket"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_response",
        *_keys(),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"],
            name=op.f("fk_analytics_response_organisation_id_organisation"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "quarter", "location_id", "employee_id", "code_id", "step",
            "minutes", name=op.f("pk_analytics_response"),
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("analytics_response")
    op.drop_table("analytics_bucket")
