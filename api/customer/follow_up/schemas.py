"""What the customer's follow-up page answers as JSON."""

from datetime import datetime

from pydantic import BaseModel


class FollowUpReply(BaseModel):
    body: str
    created_at: datetime


class FollowUpOut(BaseModel):
    """The customer's view of their card: no names, no addresses, no internal notes."""

    organisation: str
    status: str
    created_at: datetime
    seen: bool
    seen_at: datetime | None
    closed_at: datetime | None
    replies: list[FollowUpReply]
    # A compliment passed on to the person it named, with their manager's thanks.
    passed_on: bool = False
    passed_on_to: str | None = None
    passed_on_at: datetime | None = None
    # The kudos wall: none (not shared), waiting (for a manager), shown, or withdrawn.
    shared: str = "none"
