"""What an owner sends to set up alerts (checked the same way for forms and the API), and what
the alerts API answers."""

from datetime import time
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.i18n import LANGUAGES, N_
from api.models import WebhookStyle
from api.text import ManagerText
from api.web.ids import RowId


def _language(value: str) -> str:
    if value and value.lower() not in LANGUAGES:
        raise ValueError(N_("Choose one of the listed languages."))
    return next((lang.tag for tag, lang in LANGUAGES.items() if tag == value.lower()), "")


class AlertSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    escalation_minutes: int = Field(default=10, ge=1, le=1440)
    digest_hour: int = Field(default=8, ge=0, le=23)
    compliment_reminder_days: int = Field(
        default=3,
        ge=1,
        le=30,
        description="The digest lists compliments not yet passed on after this many days",
    )


class PreferenceIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    negative_email: bool = True
    digest_email: bool = True
    weekly_email: bool = Field(default=False, description="The weekly summary (owners only)")
    quiet_start: str = Field(default="", max_length=5)
    quiet_end: str = Field(default="", max_length=5)
    language: str = Field(default="", max_length=12)

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def check_time(cls, value: str) -> str:
        if not value:
            return ""
        try:
            return time.fromisoformat(value).strftime("%H:%M")
        except ValueError:
            raise ValueError(N_("Give a time as HH:MM, e.g. 22:00.")) from None

    @field_validator("language")
    @classmethod
    def check_language(cls, value: str) -> str:
        return _language(value)


class DutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_ids: list[RowId] = Field(
        default_factory=list, description="Who is on duty; none: managers"
    )


class WebhookIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: ManagerText = Field(min_length=1, max_length=80)
    url: ManagerText = Field(min_length=1, max_length=500)
    style: WebhookStyle = WebhookStyle.json
    location_id: RowId | None = Field(default=None, description="None: every location")
    all_cards: bool = Field(default=False, description="False: negative cards only")
    language: str = Field(default="en", max_length=12)

    @field_validator("url")
    @classmethod
    def check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(N_("Give the full address, starting with https://."))
        return value

    @field_validator("language")
    @classmethod
    def check_language(cls, value: str) -> str:
        return _language(value) or "en"


class WebhookOut(BaseModel):
    id: int
    name: str
    url: str
    style: WebhookStyle
    location_id: int | None
    all_cards: bool
    language: str
    # Only in the answer that creates the webhook.
    secret: str | None = None


class DeliveryOut(BaseModel):
    id: int
    kind: str
    channel: str
    card_id: int | None
    address: str
    webhook_id: int | None
    status: str
    attempts: int
    last_error: str
    idempotency_key: str


class WebhookTestOut(BaseModel):
    arrived: bool
    error: str | None
