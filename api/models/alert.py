"""Alerts: the outbox of deliveries, webhooks, who is on duty, and each person's preferences."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class AlertChannel(StrEnum):
    email = "email"
    webhook = "webhook"
    # Delivered by api.alerts.channels.push, one of the worker's default channels.
    push = "push"


class AlertKind(StrEnum):
    negative = "negative"
    # A webhook that asked for every card, positive ones too.
    card = "card"
    escalation = "escalation"
    digest = "digest"
    # The owners' weekly summary of the analytics (api.alerts.weekly).
    weekly = "weekly"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    parked = "parked"
    # An email or push about a card someone handled before it left, or that its reader no longer
    # sees by then: not sent.
    dropped = "dropped"


class AlertDelivery(SQLModel, table=True):
    """One message to one recipient through one channel: the transactional outbox's row.

    Written in the transaction that stores its card; a worker claims it (claimed_until is its
    lease), sends it and marks it sent, or backs off and finally parks it for an owner to retry.
    """

    __tablename__ = "alert_delivery"
    __table_args__ = (Index("ix_alert_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    card_id: int | None = Field(
        default=None, foreign_key="card.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    kind: AlertKind = Field(sa_type=String(20))
    channel: AlertChannel = Field(sa_type=String(20))
    user_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="CASCADE", sa_type=IdType
    )
    webhook_id: int | None = Field(
        default=None, foreign_key="webhook.id", ondelete="CASCADE", sa_type=IdType
    )
    # The email address, or empty for a webhook (its URL is read when it is sent).
    address: str = Field(default="", max_length=254)
    language: str = Field(default="en", max_length=12)
    # Stable across retries: the email's Message-ID and the webhook's Idempotency-Key.
    idempotency_key: str = Field(max_length=120, unique=True)
    # What a digest lists, e.g. {"date": "2026-11-21", "card_ids": [1, 2]}.
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=String(12))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=32)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookStyle(StrEnum):
    slack = "slack"
    json = "json"


class Webhook(SQLModel, table=True):
    """An address that receives signed alerts: Slack-compatible text or Tellus's own JSON."""

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    name: str = Field(max_length=80)
    url: str = Field(max_length=500)
    style: WebhookStyle = Field(default=WebhookStyle.json, sa_type=String(10))
    # Shown to the owner once; kept to sign every request (HMAC-SHA256).
    secret: str = Field(max_length=64)
    # None: every location.
    location_id: int | None = Field(
        default=None, foreign_key="location.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    # False: only negative cards; True: every card.
    all_cards: bool = False
    language: str = Field(default="en", max_length=12)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LocationDuty(SQLModel, table=True):
    """Who is on duty at a location; a location with none alerts every manager who sees it."""

    __tablename__ = "location_duty"

    location_id: int = Field(
        foreign_key="location.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    user_id: int = Field(
        foreign_key="user_account.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )


class AlertPreference(SQLModel, table=True):
    """One person's alert choices in one organisation; no row means the defaults."""

    __tablename__ = "alert_preference"

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    user_id: int = Field(
        foreign_key="user_account.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    negative_email: bool = True
    digest_email: bool = True
    # The weekly summary, for owners who opt in.
    weekly_email: bool = False
    # "HH:MM" in the organisation's time zone; both empty: no quiet hours.
    quiet_start: str = Field(default="", max_length=5)
    quiet_end: str = Field(default="", max_length=5)
    # Empty: the organisation's default language.
    language: str = Field(default="", max_length=12)


class AlertSettings(SQLModel, table=True):
    """An organisation's alert settings; no row means the defaults."""

    __tablename__ = "alert_settings"

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    escalation_minutes: int = 10
    # The local hour after which yesterday's digest goes out.
    digest_hour: int = 8
    # The digest lists compliments not passed on to their employee after this many days.
    compliment_reminder_days: int = 3
