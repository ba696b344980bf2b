"""What happened, in order: the live inbox reads it, and an audit trail can later show it."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class EventKind(StrEnum):
    card_created = "card.created"
    card_status = "card.status"
    card_replied = "card.replied"
    card_assigned = "card.assigned"
    card_note = "card.note"
    card_tagged = "card.tagged"
    card_untagged = "card.untagged"
    card_passed_on = "card.passed_on"
    # A shared compliment went on the kudos wall, came off it, or was kept off it: {"from":
    # "waiting" | "shown", "to": "shown" | "withdrawn"}, and "by": "customer" when the customer
    # withdrew it from their follow-up page.
    card_shared = "card.shared"
    # Someone's sessions in the organisation ended or changed (removal, new role, sign-out,
    # new password): open streams read their session again at once. No card.
    access_changed = "access.changed"
    # A customer's cards were erased, by an owner's rights request or from the follow-up page:
    # the audit trail keeps the act, how many and by whom, never what was erased. No card.
    data_erased = "data.erased"


class Event(SQLModel, table=True):
    """One thing that happened to an organisation's data, written in the same transaction.

    The id is the order: within an organisation, a larger id was committed later (see
    api.inbox.events), so a reader that remembers the last id it saw misses nothing.
    """

    __table_args__ = (
        Index("ix_event_organisation_order", "organisation_id", "id"),
        # AUTOINCREMENT: SQLite never reuses an id, even after the newest row is deleted.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", sa_type=IdType)
    # Copied from the card: a manager limited to some locations reads only theirs.
    location_id: int | None = Field(
        default=None, foreign_key="location.id", ondelete="SET NULL", sa_type=IdType
    )
    card_id: int | None = Field(
        default=None, foreign_key="card.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    # Plain text, not a database enum: new kinds need no type migration.
    kind: EventKind = Field(sa_type=String(40))
    # Who did it: None for a customer or an API key.
    actor_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    # What changed, e.g. {"from": "new", "to": "seen"}: enough for an audit trail to say it.
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
