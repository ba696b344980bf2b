"""What the inbox API takes and answers, and what a manager's page sends to subscribe to push."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.kudos.schemas import ShareOut
from api.recognition.schemas import PassOnOut
from api.text import ManagerText
from api.web.ids import RowId


class CardOut(BaseModel):
    """A card as a manager reads it."""

    id: int
    code_token: str
    location_id: int | None
    location_name: str | None
    employee_id: int | None
    employee_name: str | None
    rating: int
    comment: str
    contact_name: str
    contact_email: str
    contact_phone: str
    wants_reply: bool
    # Whether a manager has replied to it (a reply stored, whatever became of its email).
    replied: bool = False
    status: str
    created_at: datetime
    # Each step of the workflow: when, and the name of the manager who took it.
    seen_at: datetime | None
    seen_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None
    resolved_by: str | None = None
    dismissed_at: datetime | None = None
    dismissed_by: str | None = None
    # Who is working the card, and the organisation's tags on it.
    assignee_id: int | None = None
    assignee: str | None = None
    tags: list[str] = []
    # A compliment (4–5) that names an employee: a manager may thank them and pass it on, once.
    compliment: bool = False
    passed_on: PassOnOut | None = None
    # A compliment the customer chose to share on the kudos wall: the name they chose, and
    # whether a manager approved it (it shows) or it was withdrawn.
    share: ShareOut | None = None
    # A second card sent on an already used card form (a reused or scraped form): kept for a
    # manager to look at, and it raised no alert.
    held: bool = False


class CardStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(
        pattern="^(seen|acknowledged|resolved|dismissed)$",
        description="The next step: seen → acknowledged → resolved or dismissed",
    )


class CardPage(BaseModel):
    cards: list[CardOut]
    next_before: int | None


class AssigneeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: RowId | None = Field(description="A manager who can see the card; null unassigns")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: ManagerText = Field(min_length=1, max_length=2000)


class NoteOut(BaseModel):
    id: int
    body: str
    author: str | None
    created_at: datetime


class HistoryOut(BaseModel):
    kind: str
    at: datetime
    # The manager's name; null for the customer (`by_customer`) or an API key.
    actor: str | None
    before: str | None
    after: str | None
    by_customer: bool = False


class SubscriptionKeys(BaseModel):
    p256dh: str = Field(min_length=80, max_length=100)
    auth: str = Field(min_length=16, max_length=50)


class BrowserSubscription(BaseModel):
    """PushSubscription.toJSON() as the page sends it."""

    endpoint: str = Field(min_length=10, max_length=2000)
    keys: SubscriptionKeys


class PageSubscription(BrowserSubscription):
    language: str | None = Field(default=None, max_length=35)
