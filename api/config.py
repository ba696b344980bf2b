"""Settings read from the environment (prefix TELLUS_)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.outbound.destinations import AllowedHosts, Timeouts, parse_allowed_hosts

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = ROOT / "var" / "tellus.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELLUS_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{DEFAULT_DATABASE}"
    # The address printed in every QR code: it must be the public one, not localhost.
    base_url: str = "http://localhost:8000"
    # Required in production; elsewhere generated once and stored in the database.
    secret_key: str | None = None
    session_days: int = 14
    # Proxies whose X-Forwarded-* headers are trusted (uvicorn's --forwarded-allow-ips).
    forwarded_allow_ips: str = "127.0.0.1"
    code_cache_seconds: float = 2.0
    # The kudos TV screen asks for newly approved compliments this often, and shows each one
    # for kudos_tv_rotate_seconds; the public wall may be cached for kudos_wall_cache_seconds.
    kudos_tv_poll_seconds: float = Field(default=60.0, ge=0.5)
    kudos_tv_rotate_seconds: float = Field(default=12.0, ge=1)
    kudos_wall_cache_seconds: int = Field(default=60, ge=0)
    card_token_days: int = 8
    # The installation's mail server, e.g. smtp+starttls://user:pass@mail.example.com:587
    # (?from=Tellus <tellus@example.com> sets the sender). Unset: nothing is emailed.
    smtp_url: str | None = None
    # Web Push (VAPID, RFC 8292): the private key in PEM, or base64url of its 32 bytes as
    # web-push's generate-vapid-keys prints it; shared by every host. Unset: one is made once and
    # kept in the database. The subject (mailto: or https:) tells push services whom to reach.
    vapid_private_key: str | None = None
    vapid_subject: str | None = None
    # Hosts on the server's own network that organisations may use for webhooks, push and their
    # own mail server, which the outbound guard otherwise refuses: "relay.internal,
    # 127.0.0.1:8025" (hosts, or host:port; an IPv6 address in brackets when it has a port).
    outbound_allow: str = ""
    # `tellus serve` delivers alerts itself; turn off when a separate `tellus worker` runs.
    worker_in_process: bool = True
    # Where a server process stores its cards (api.customer.card_writer): "process", a child
    # process of its own, so that storing takes another core; "thread", a thread of the
    # server's (no second interpreter in memory). "auto": a process, except for an in-memory
    # SQLite database, which no other process can open.
    card_writer: Literal["auto", "process", "thread"] = "auto"
    # The outbox: a delivery is retried with exponential backoff (from alert_retry_seconds, with
    # jitter) up to alert_max_attempts times, then parked for an owner. A claim is a lease: a
    # worker killed mid-send gives its rows back after alert_lease_seconds.
    alert_max_attempts: int = 8
    alert_retry_seconds: float = 30.0
    alert_retry_max_seconds: float = 3600.0
    alert_lease_seconds: float = 120.0
    worker_poll_seconds: float = 1.0
    # Card protection (api.protection). Where the limits are counted: redis://host:6379/0 makes
    # them hold across every process and host. Without it, "auto" counts in the database on
    # PostgreSQL (every process shares it) and in the process's memory on SQLite (one process).
    redis_url: str | None = None
    card_limit_store: Literal["auto", "memory", "database"] = "auto"
    # Cards one client (an IPv4 address, or an IPv6 /64) may send to one code: see README,
    # "Limits". In the `limits` notation: "40/10 minutes", "5/second;100/hour".
    card_limit: str = "40/10 minutes"
    # Cards one code stores with alerts; past it, cards are still stored, without alerts.
    code_alert_ceiling: str = "100/hour"
    # Cards one kiosk (a tablet on the counter) may send, instead of its address's card_limit.
    kiosk_card_limit: str = "120/10 minutes"
    # A kiosk shows its thank-you this long after a card, and starts again after this long idle.
    kiosk_reset_seconds: float = Field(default=8.0, gt=0)
    kiosk_idle_seconds: float = Field(default=60.0, gt=0)
    # A card sent sooner than this after its page was opened is asked to confirm with one tap.
    card_min_fill_seconds: float = 3.0
    # A worker sends up to worker_concurrency deliveries at once, one organisation at most
    # worker_organisation_slots of them: another organisation's alert always finds a free slot.
    worker_concurrency: int = Field(default=8, ge=1)
    worker_organisation_slots: int = Field(default=4, ge=1)
    # How long a delivery waits for a webhook or push service to accept the connection, and for
    # each of its answers; for a mail server (its connection and each answer). A destination
    # that times out holds its organisation's other deliveries to it back (api.alerts.backoff).
    alert_connect_seconds: float = Field(default=3.0, gt=0)
    alert_answer_seconds: float = Field(default=5.0, gt=0)
    alert_mail_seconds: float = Field(default=10.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def strip_trailing_slash(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("TELLUS_BASE_URL must be an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("card_limit", "kiosk_card_limit", "code_alert_ceiling")
    @classmethod
    def check_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as '40/10 minutes'") from None
        return value

    @field_validator("vapid_subject")
    @classmethod
    def check_vapid_subject(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("mailto:", "https://")):
            raise ValueError("TELLUS_VAPID_SUBJECT must be a mailto: or https:// URL")
        return value

    @field_validator("outbound_allow")
    @classmethod
    def check_outbound_allow(cls, value: str) -> str:
        try:
            parse_allowed_hosts(value)
        except ValueError as error:
            raise ValueError(f"TELLUS_OUTBOUND_ALLOW: {error}") from None
        return value

    @model_validator(mode="after")
    def check_worker_slots(self) -> "Settings":
        if self.worker_organisation_slots > self.worker_concurrency:
            raise ValueError(
                "TELLUS_WORKER_ORGANISATION_SLOTS must not be more than TELLUS_WORKER_CONCURRENCY"
            )
        return self

    @model_validator(mode="after")
    def require_secret_in_production(self) -> "Settings":
        if self.environment == "production":
            if not self.secret_key or len(self.secret_key) < 32:
                raise ValueError(
                    "TELLUS_SECRET_KEY must be set to at least 32 random characters in production"
                )
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def outbound_allowed(self) -> AllowedHosts:
        """The hosts organisations may use although they are on the server's own network."""
        return parse_allowed_hosts(self.outbound_allow)

    @property
    def alert_timeouts(self) -> Timeouts:
        """How long an alert's webhook or push request waits to connect, and for each answer."""
        return Timeouts(connect=self.alert_connect_seconds, answer=self.alert_answer_seconds)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()


@lru_cache
def get_settings() -> Settings:
    return Settings()
