"""What the kudos API answers."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class ShareOut(BaseModel):
    """A compliment the customer chose to share: the name they chose, and the wall's state."""

    name: str
    # waiting (for a manager's approval), shown (on the wall), withdrawn (for good).
    state: Literal["waiting", "shown", "withdrawn"]
    approved_at: datetime | None
    withdrawn_at: datetime | None


class ShareWithdrawnOut(BaseModel):
    shared: Literal["withdrawn"] = "withdrawn"
