"""analytics: the cards' summaries per UTC hour too

Revision ID: 0024
Revises: 0023

analytics_span gains blocks of one hour (span 4) for the series and the heatmap, which a long
period reads hour by hour on the organisation's clock. Filled from the quarter-hour rows here;
kept with them from then on.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMS = "location_id, employee_id, code_id"
COUNTS = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "replies", "passed_on")


def upgrade() -> None:
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    op.execute(
        f"INSERT INTO analytics_span (organisation_id, span, quarter, {DIMS}, "
        f"{', '.join(COUNTS)}) SELECT organisation_id, 4, (quarter / 4) * 4, {DIMS}, {sums} "
        f"FROM analytics_bucket GROUP BY organisation_id, (quarter / 4) * 4, {DIMS}"
    )


def downgrade() -> None:
    op.execute("DELETE FROM analytics_span WHERE span = 4")
