"""Browsers that asked for alerts: one Web Push subscription per device and signed-in manager."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class PushSubscription(SQLModel, table=True):
    """What a browser's `pushManager.subscribe()` gave: where to POST and the keys to encrypt to."""

    __tablename__ = "push_subscription"
    __table_args__ = (
        Index("ix_push_subscription_recipient", "user_id", "organisation_id"),
        # A device's endpoint is not a secret: someone else subscribing it makes a row of their
        # own and never takes over this person's.
        UniqueConstraint("endpoint", "user_id", "organisation_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    # The push service's URL for this browser: unguessable, and one device has one.
    endpoint: str = Field(max_length=2000)
    # The browser's P-256 public key and auth secret, base64url as the browser gives them.
    p256dh: str = Field(max_length=100)
    auth: str = Field(max_length=50)
    # The language of the page that subscribed: the device's notifications speak it.
    language: str = Field(default="en", max_length=35)
    # The session (its hash) of the browser that last sent this subscription: signing out of
    # that browser stops its alerts, so a shared device never shows the last person's cards.
    session_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_reason: str | None = Field(default=None, max_length=200)
