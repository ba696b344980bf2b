"""Analytics summaries: counts per UTC quarter-hour that outlive the cards they count.

The keys hold plain ids (0 for none), not foreign keys: a deleted card, location or employee
leaves its figures behind. Quarter-hours (seconds since the epoch // 900) are fine enough for
any time zone's day (+05:30, +05:45) and for an owner who changes the organisation's zone.
"""

from sqlalchemy import BigInteger, Integer, String
from sqlmodel import Field, SQLModel

from api.models.types import IdType

QuarterType = BigInteger().with_variant(Integer(), "sqlite")


class SummaryKeys(SQLModel):
    """Where and when: the organisation, the UTC quarter-hour, the location, employee, code."""

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    quarter: int = Field(primary_key=True, sa_type=QuarterType)
    location_id: int = Field(default=0, primary_key=True, sa_type=IdType)
    employee_id: int = Field(default=0, primary_key=True, sa_type=IdType)
    code_id: int = Field(default=0, primary_key=True, sa_type=IdType)


class AnalyticsBucket(SummaryKeys, table=True):
    """What happened in one quarter-hour at one location, for one employee, on one code."""

    __tablename__ = "analytics_bucket"
    # Clustered by the key on SQLite: a period's rows are read in one sweep.
    __table_args__ = {"sqlite_with_rowid": False}

    # Cards received in the quarter-hour, by rating.
    rating_1: int = 0
    rating_2: int = 0
    rating_3: int = 0
    rating_4: int = 0
    rating_5: int = 0
    # Replies sent and compliments passed on in the quarter-hour (to cards of these keys).
    replies: int = 0
    passed_on: int = 0


class AnalyticsResponse(SummaryKeys, table=True):
    """How fast negative cards received in one quarter-hour were handled: a histogram.

    `step` is "acknowledged" (the first step past seen: acknowledged, resolved or dismissed) or
    "resolved"; `minutes` is the bin's upper edge (api.analytics.summaries.response_bin).
    """

    __tablename__ = "analytics_response"
    # Clustered by the key on SQLite: a period's rows are read in one sweep.
    __table_args__ = {"sqlite_with_rowid": False}

    step: str = Field(primary_key=True, sa_type=String(12))
    minutes: int = Field(primary_key=True)
    cards: int = 0
