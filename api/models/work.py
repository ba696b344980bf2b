"""Working a card: who it is assigned to, internal notes, and the organisation's tags."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class CardNote(SQLModel, table=True):
    """A manager's internal note on a card: never shown to the customer."""

    __tablename__ = "card_note"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", sa_type=IdType)
    card_id: int = Field(foreign_key="card.id", index=True, ondelete="CASCADE", sa_type=IdType)
    author_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Tag(SQLModel, table=True):
    """One of an organisation's own labels for cards."""

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", sa_type=IdType)
    name: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CardTag(SQLModel, table=True):
    __tablename__ = "card_tag"
    # The inbox filter by tag walks a tag's cards newest first.
    __table_args__ = (Index("ix_card_tag_tag_card", "tag_id", "card_id"),)

    card_id: int = Field(
        foreign_key="card.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, ondelete="CASCADE", sa_type=IdType)
