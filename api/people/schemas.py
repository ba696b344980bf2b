"""What an owner sends to manage people and the mail server (checked the same way for forms and
the API), and what the people API answers."""

from datetime import datetime
from email.utils import parseaddr
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.accounts.service import normalize_email
from api.customer.schemas import EMAIL
from api.i18n import LANGUAGES, N_
from api.models import Role
from api.text import ManagerText
from api.web.ids import RowId


class MemberUpdate(BaseModel):
    """A member's role and, for a manager, the locations they are limited to (none: all)."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    location_ids: list[RowId] = Field(default_factory=list)
    employee_id: RowId | None = Field(default=None, description="Staff: the employee they are")


class InvitationIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: ManagerText = Field(min_length=3, max_length=254)
    role: Role = Role.manager
    location_ids: list[RowId] = Field(default_factory=list, description="A manager's locations")
    employee_id: RowId | None = Field(default=None, description="Staff: the employee they are")
    language: str = Field(
        default="",
        max_length=12,
        description="What the email is written in; blank: the organisation's default language",
    )

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError(N_("This email address does not look right."))
        return normalize_email(value)

    @field_validator("language")
    @classmethod
    def check_language(cls, value: str) -> str:
        if value and value.lower() not in LANGUAGES:
            raise ValueError(N_("Choose one of the listed languages."))
        return LANGUAGES[value.lower()].tag if value else ""


class MailServerIn(BaseModel):
    """An organisation's SMTP server; a blank or missing password keeps the stored one."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: ManagerText = Field(default="", max_length=254)
    password: str | None = Field(default=None, max_length=500)
    from_address: ManagerText = Field(min_length=3, max_length=254)

    @field_validator("from_address")
    @classmethod
    def check_from_address(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "\n" in value or "\r" in value or not EMAIL.match(address):
            raise ValueError(N_("Write a sender address such as Harbour Café <cards@example.com>."))
        return value


class MemberOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: Role
    location_ids: list[int]
    employee_id: int | None = None
    joined_at: datetime


class InvitationOut(BaseModel):
    id: int
    email: str
    role: Role
    location_ids: list[int]
    employee_id: int | None = None
    language: str = ""
    expires_at: datetime
    emailed: bool | None = None
    # Only when it was not emailed: the one time the link is given out.
    link: str | None = None
    mail_error: str | None = None


class MailServerOut(BaseModel):
    host: str
    port: int
    security: str
    username: str
    password_set: bool
    from_address: str


class TestEmailIn(BaseModel):
    to: str = Field(max_length=254, pattern=EMAIL.pattern)


class TestEmailOut(BaseModel):
    sent_to: str
    server: str
