"""What the retention form and the rights pages take."""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from api.lifecycle.retention import MAXIMUM_DAYS, MINIMUM_DAYS


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


Days = Annotated[
    Annotated[int, Field(ge=MINIMUM_DAYS, le=MAXIMUM_DAYS)] | None, BeforeValidator(_blank_is_none)
]


class RetentionIn(BaseModel):
    """Days after which contact details are wiped and cards deleted; blank: never."""

    contact_days: Days = None
    card_days: Days = None


class RightsQuery(BaseModel):
    """A customer's email address or phone number, as they gave it on their cards."""

    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
