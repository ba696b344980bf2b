"""What an owner sends to set up the organisation (checked the same way for forms and the
API), and what the set-up API answers."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.customer.schemas import EMAIL
from api.i18n import LANGUAGES as CARD_LANGUAGES
from api.i18n import N_
from api.setup.card_placeholders import placeholder_problem
from api.setup.time_zones import canonical_time_zone
from api.text import ManagerText
from api.web.ids import RowId

LOCATION_KINDS = ("counter", "table", "desk", "store", "room", "other")
# The languages the card speaks (the catalogues under api/locales).
LANGUAGES = tuple(language.tag for language in CARD_LANGUAGES.values())


class LocationIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: ManagerText = Field(min_length=1, max_length=120)
    kind: str = Field(default="counter", pattern="^(" + "|".join(LOCATION_KINDS) + ")$")


class EmployeeIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    display_name: ManagerText = Field(min_length=1, max_length=80)
    role_title: ManagerText = Field(default="", max_length=80)
    email: ManagerText = Field(
        default="", max_length=254, description="Where their compliments are emailed"
    )
    language: str = Field(
        default="",
        pattern="^(" + "|".join(LANGUAGES) + ")?$",
        description="The language of their emails; empty: the organisation's default",
    )
    location_ids: list[RowId] = Field(default_factory=list, description="Where they work")

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str) -> str:
        if value and not EMAIL.match(value):
            raise ValueError(N_("This email address does not look right."))
        return value


class CodeIn(BaseModel):
    """A code points at a location, an employee, or an employee at a location."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    label: ManagerText = Field(default="", max_length=120)
    location_id: RowId | None = None
    employee_id: RowId | None = None


class ReviewLink(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    label: ManagerText = Field(min_length=1, max_length=40)
    url: str = Field(max_length=500, pattern=r"^https://[^\s<>\"']+$")


class OrganisationIn(BaseModel):
    """The organisation's profile, as customers see it on the card."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: ManagerText = Field(min_length=1, max_length=120)
    accent_colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    default_language: str = Field(default="en", pattern="^(" + "|".join(LANGUAGES) + ")$")
    time_zone: str = Field(
        default="UTC", max_length=64, description="A tz database name, such as Europe/Paris"
    )
    review_links: list[ReviewLink] = Field(default_factory=list, max_length=5)

    @field_validator("time_zone")
    @classmethod
    def check_time_zone(cls, value: str) -> str:
        canonical = canonical_time_zone(value)
        if canonical is None:
            raise ValueError(
                N_(
                    "Unknown time zone. Choose a time zone from the list, such as Europe/Paris"
                    " or America/New_York."
                )
            )
        return canonical


CARD_TEXT_LIMITS = {"question": 200, "thanks": 300, "data_use": 400}


class CardTextsIn(BaseModel):
    """Blank (or missing) means the built-in text in that language."""

    question: ManagerText = Field(default="", max_length=CARD_TEXT_LIMITS["question"])
    thanks: ManagerText = Field(default="", max_length=CARD_TEXT_LIMITS["thanks"])
    data_use: ManagerText = Field(default="", max_length=CARD_TEXT_LIMITS["data_use"])

    @field_validator("question", "thanks", "data_use")
    @classmethod
    def check_placeholders(cls, value: str) -> str:
        problem = placeholder_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class LocationOut(BaseModel):
    id: int
    name: str
    kind: str
    # Set once archived: off every picker, its codes revoked, its cards kept.
    archived_at: datetime | None = None


class EmployeeOut(BaseModel):
    id: int
    display_name: str
    role_title: str
    email: str | None
    language: str
    active: bool
    location_ids: list[int]


class CodeOut(BaseModel):
    id: int
    token: str
    url: str
    label: str
    location_id: int | None
    employee_id: int | None
    revoked_at: datetime | None
    # Cards refused by the burst limit (TELLUS_CARD_LIMIT) since midnight UTC.
    refused_today: int = 0


class OrganisationOut(BaseModel):
    name: str
    slug: str
    accent_colour: str
    default_language: str
    time_zone: str
    review_links: list[ReviewLink]
    logo_url: str | None
    require_two_factor: bool
    require_two_factor_staff: bool


class TwoFactorRuleIn(BaseModel):
    required: bool
    staff: bool | None = Field(
        default=None, description="Staff too (off unless asked for); left out: unchanged"
    )


class CardTextsOut(CardTextsIn):
    language: str
