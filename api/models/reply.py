"""A manager's answer to a card, and an organisation's reusable reply texts."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class ReplyEmail(StrEnum):
    """What became of a reply's email: the manager's card page says it."""

    none = "none"  # the customer left no address: the follow-up page alone carries it
    pending = "pending"  # stored; the email is being handed to the mail server
    sent = "sent"
    failed = "failed"
    no_server = "no_server"  # no mail server is configured


class Reply(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", sa_type=IdType)
    card_id: int = Field(foreign_key="card.id", index=True, ondelete="CASCADE", sa_type=IdType)
    # None for a reply sent through the API, or by a manager since removed.
    author_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    email_status: ReplyEmail = Field(default=ReplyEmail.none, sa_type=String(12))
    email_to: str = Field(default="", max_length=254)
    email_error: str = Field(default="", max_length=300)
    message_id: str = Field(default="", max_length=200)


class ReplyTemplate(SQLModel, table=True):
    __tablename__ = "reply_template"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    title: str = Field(max_length=80)
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
