"""What a customer may send, checked the same way for the HTML form and the JSON API.

Messages are English, marked with N_(): the card page translates them when it shows them.
"""

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.i18n import N_
from api.text import CustomerText
from api.web.ids import RowId

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A card rated this or higher may be shared on the kudos wall (api.kudos).
SHARE_MIN_RATING = 4
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,40}$")


class CardIn(BaseModel):
    """A comment card as submitted."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very happy)")
    comment: CustomerText = Field(default="", max_length=4000)
    employee_id: RowId | None = Field(default=None, description="Who helped, from the code's staff")
    contact_name: CustomerText = Field(default="", max_length=120)
    contact_email: CustomerText = Field(default="", max_length=254)
    contact_phone: CustomerText = Field(default="", max_length=40)
    wants_reply: bool = False
    share_publicly: bool = Field(
        default=False,
        description="The customer lets the organisation show this compliment (4 or 5) publicly",
    )
    share_name: CustomerText = Field(
        default="", max_length=40, description="The first name or initials to show with it"
    )

    @field_validator("contact_email")
    @classmethod
    def check_email(cls, value: str) -> str:
        if value and not EMAIL.match(value):
            raise ValueError(N_("This email address does not look right."))
        return value

    @field_validator("contact_phone")
    @classmethod
    def check_phone(cls, value: str) -> str:
        if value and not PHONE.match(value):
            raise ValueError(N_("This phone number does not look right."))
        return value

    @model_validator(mode="after")
    def reply_needs_a_contact(self) -> "CardIn":
        if self.wants_reply and not (self.contact_email or self.contact_phone):
            raise ValueError(N_("To get a reply, leave an email address or a phone number."))
        return self

    @model_validator(mode="after")
    def share_only_a_compliment(self) -> "CardIn":
        """Only a compliment may be shared, and a name only goes with the consent to share."""
        if self.rating < SHARE_MIN_RATING or not self.share_publicly:
            self.share_publicly = False
            self.share_name = ""
        return self


class CardReceipt(BaseModel):
    """The public answer to a submission: the card is stored."""

    id: int
    status: str = "stored"
    created_at: datetime
    # The customer's private page about this card (GET /api/v1/follow-up/{token} as JSON).
    follow_up_url: str


class StaffOut(BaseModel):
    id: int
    name: str


class PublicCodeOut(BaseModel):
    """What a card for this code is about."""

    token: str
    organisation: str
    location: str | None
    employee: str | None
    staff: list[StaffOut]
