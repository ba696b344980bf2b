"""A comment card left by a customer."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, text
from sqlmodel import Field, SQLModel

from api.models.rows import new_row
from api.models.types import IdType, UTCDateTime, utcnow


class CardStatus(StrEnum):
    """new → seen → acknowledged → resolved or dismissed; each step records who and when."""

    new = "new"
    seen = "seen"
    acknowledged = "acknowledged"
    resolved = "resolved"
    dismissed = "dismissed"


# The cards an escalation may still be owed for: negative (api.alerts.routing's
# NEGATIVE_MAX_RATING), alerting, and neither acknowledged nor closed. The escalations' look
# (api.alerts.schedule) reads them through a partial index of their own, with this very
# condition: a database uses a partial index only for a query that states its condition, the
# values written out.
AWAITING_ESCALATION = "rating <= 2 AND alerts AND status IN ('new', 'seen')"


class Card(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="card_rating_range"),
        Index("ix_card_inbox", "organisation_id", "created_at"),
        # Keyset pagination walks ids newest first within an organisation, on its own or
        # within one value of a filter (see bench/README.md for the plans).
        Index("ix_card_organisation_page", "organisation_id", "id"),
        Index("ix_card_status_page", "organisation_id", "status", "id"),
        Index("ix_card_rating_page", "organisation_id", "rating", "id"),
        Index("ix_card_location_page", "location_id", "id"),
        Index("ix_card_employee_page", "employee_id", "id"),
        Index("ix_card_assignee_page", "assignee_id", "id"),
        # The first card sent on an opened form takes its nonce; a second one is held (below).
        Index("ix_card_form_nonce", "form_nonce", unique=True),
        # The kudos wall reads an organisation's approved compliments, newest first.
        Index("ix_card_kudos", "organisation_id", "share_approved_at"),
        # Every 15 seconds the worker looks for them across organisations (a day's worth): without
        # it, the look read every card ever stored.
        Index(
            "ix_card_escalation",
            "created_at",
            postgresql_where=text(AWAITING_ESCALATION),
            sqlite_where=text(AWAITING_ESCALATION),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", sa_type=IdType)
    code_id: int = Field(foreign_key="code.id", index=True, ondelete="CASCADE", sa_type=IdType)
    location_id: int | None = Field(
        default=None, foreign_key="location.id", ondelete="SET NULL", sa_type=IdType
    )
    employee_id: int | None = Field(
        default=None, foreign_key="employee.id", ondelete="SET NULL", sa_type=IdType
    )
    rating: int
    comment: str = Field(default="", max_length=4000)
    contact_name: str = Field(default="", max_length=120)
    contact_email: str = Field(default="", max_length=254)
    contact_phone: str = Field(default="", max_length=40)
    wants_reply: bool = False
    language: str = Field(default="en", max_length=12)
    status: CardStatus = Field(default=CardStatus.new, sa_type=String(12))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seen_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    dismissed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dismissed_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    # The manager working the card; they can see its location.
    assignee_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    # Every submission carries a key; the unique constraint makes a retry replay, not duplicate.
    idempotency_key: str = Field(max_length=100, unique=True)
    request_hash: str = Field(max_length=64)
    # SHA-256 of the customer's private follow-up token (api.customer.follow_up.service): never the
    # token.
    follow_up_hash: str | None = Field(default=None, max_length=64, unique=True)
    # The nonce of the card form it came on (api.protection.form_tokens); None for the API's
    # cards, for a form older than nonces, and for a held card.
    form_nonce: str | None = Field(default=None, max_length=32)
    # Held for a manager's look, without alerts: a second card on an already used form (a
    # scraped token, or an old page sent again from a phone's offline copy). Never refused.
    held: bool = False
    # Whether the card raised alerts: False for a held card, and for one sent past its code's
    # alert ceiling (TELLUS_CODE_ALERT_CEILING); the escalation passes such cards by too.
    alerts: bool = True
    # The kudos wall (api.kudos): the customer's consent to share a compliment (4 or 5 only),
    # with the name they typed for it (never contact_name); a manager's approval puts it on the
    # wall, and a withdrawal (the customer's or a manager's) takes it off for good.
    share_publicly: bool = False
    share_name: str = Field(default="", max_length=40)
    share_approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    share_withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def new_card_row(**values: Any) -> Card:
    """A new card of these values and the model's defaults (see api.models.rows.new_row)."""
    return new_row(Card, **values)
