"""The card limits' counts, when the database keeps them (api.protection.database_store).

On PostgreSQL both tables are UNLOGGED (see the migration): a count is worth no disk write, and
a crash that empties them only forgets a few minutes of limits.
"""

from sqlalchemy import Float, Index
from sqlmodel import Field, SQLModel

from api.models.types import IdType


class RateLimitEntry(SQLModel, table=True):
    """One card counted in a moving window: the window's key and when (Unix seconds)."""

    __tablename__ = "rate_limit_entry"
    __table_args__ = (Index("ix_rate_limit_entry_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    key: str = Field(max_length=200)
    at: float = Field(sa_type=Float)


class RateLimitCounter(SQLModel, table=True):
    """A counter that expires (the refused cards per code and day)."""

    __tablename__ = "rate_limit_counter"

    key: str = Field(primary_key=True, max_length=200)
    value: int = 0
    expires_at: float = Field(sa_type=Float)
