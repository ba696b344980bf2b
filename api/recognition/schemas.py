"""What passing a compliment on takes and answers."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.text import ManagerText
from api.web.ids import RowId


class PassOnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: ManagerText = Field(
        max_length=4000, description="The manager's thanks, emailed to the employee with the card"
    )
    copy_owner_id: RowId | None = Field(
        default=None, description="An owner of the organisation to copy in on the email"
    )


class PassOnOut(BaseModel):
    """A compliment passed on: to whom, by whom, when, and what became of the emails."""

    card_id: int
    employee_id: int | None
    employee_name: str | None
    note: str
    passed_on_by: str | None
    created_at: datetime
    # none (no address: shown on their staff page), pending, sent, failed or no_server.
    email_status: str
    email_to: str
    email_error: str = ""
    copy_to: str = ""
    # Whether the customer was emailed that it reached the person (only when they asked to hear).
    customer_email_status: str
