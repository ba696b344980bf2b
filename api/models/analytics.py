"""Analytics summaries: counts per UTC quarter-hour that outlive the cards they count.

The keys hold plain ids (0 for none), not foreign keys: a deleted card, location or employee
leaves its figures behind. Quarter-hours (seconds since the epoch // 900) are fine enough for
any time zone's day (+05:30, +05:45) and for an owner who changes the organisation's zone.
The same counts are kept again per block of whole UTC days (AnalyticsSpan...), so that a long
period reads a few blocks and only the quarter-hours at its two ends.
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


class Counts(SQLModel):
    """Cards received, by rating; replies sent and compliments passed on (to cards of the keys)."""

    rating_1: int = 0
    rating_2: int = 0
    rating_3: int = 0
    rating_4: int = 0
    rating_5: int = 0
    replies: int = 0
    passed_on: int = 0


class Histogram(SQLModel):
    """`step` is "acknowledged" (the first step past seen: acknowledged, resolved or dismissed)
    or "resolved"; `minutes` is the bin's upper edge (api.analytics.summaries.response_bin)."""

    step: str = Field(primary_key=True, sa_type=String(12))
    minutes: int = Field(primary_key=True)
    cards: int = 0


class AnalyticsBucket(Counts, SummaryKeys, table=True):
    """What happened in one quarter-hour at one location, for one employee, on one code."""

    __tablename__ = "analytics_bucket"
    # Clustered by the key on SQLite: a period's rows are read in one sweep.
    __table_args__ = {"sqlite_with_rowid": False}


class AnalyticsResponse(Histogram, SummaryKeys, table=True):
    """How fast negative cards received in one quarter-hour were handled: a histogram."""

    __tablename__ = "analytics_response"
    # Clustered by the key on SQLite: a period's rows are read in one sweep.
    __table_args__ = {"sqlite_with_rowid": False}


class SpanKeys(SQLModel):
    """The same keys for a block of `span` quarter-hours (whole UTC days) from `quarter` on."""

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    span: int = Field(primary_key=True)
    quarter: int = Field(primary_key=True, sa_type=QuarterType)
    location_id: int = Field(default=0, primary_key=True, sa_type=IdType)
    employee_id: int = Field(default=0, primary_key=True, sa_type=IdType)
    code_id: int = Field(default=0, primary_key=True, sa_type=IdType)


class AnalyticsSpan(Counts, SpanKeys, table=True):
    """AnalyticsBucket's counts summed over a block of whole UTC days."""

    __tablename__ = "analytics_span"
    __table_args__ = {"sqlite_with_rowid": False}


class AnalyticsSpanResponse(Histogram, SpanKeys, table=True):
    """AnalyticsResponse's histogram summed over a block of whole UTC days."""

    __tablename__ = "analytics_span_response"
    __table_args__ = {"sqlite_with_rowid": False}
