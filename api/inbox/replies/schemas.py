"""What the JSON API and the pages exchange about replies."""

from datetime import datetime

from pydantic import BaseModel, Field

from api.text import ManagerText


class ReplyIn(BaseModel):
    body: ManagerText = Field(min_length=1, max_length=4000)


class ReplyOut(BaseModel):
    """A reply as a manager (or an API key) sees it, with what became of its email."""

    id: int
    card_id: int
    body: str
    created_at: datetime
    author: str | None
    email_status: str
    email_to: str
    email_error: str
