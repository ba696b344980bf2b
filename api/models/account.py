"""People who sign in, their roles per organisation, their sessions and API keys."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class Role(StrEnum):
    owner = "owner"
    manager = "manager"
    staff = "staff"


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(default="", max_length=80)
    password_hash: str = Field(max_length=200)
    # The language of this person's pages and emails; "": their browser's (emails: see
    # api.accounts.languages).
    language: str = Field(default="", max_length=12)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    user_id: int = Field(
        foreign_key="user_account.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    # Plain text, not a database enum: new roles need no type migration on PostgreSQL.
    role: Role = Field(sa_type=String(12))
    # Staff only: the employee this person is (their compliments, their badge). One membership
    # per employee; a staff membership without one sees a page asking an owner to link it.
    employee_id: int | None = Field(
        default=None,
        foreign_key="employee.id",
        unique=True,
        ondelete="SET NULL",
        sa_type=IdType,
    )
    # A manager with rows in membership_location sees only those locations; none: every one.
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MembershipLocation(SQLModel, table=True):
    __tablename__ = "membership_location"

    membership_id: int = Field(
        foreign_key="membership.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    location_id: int = Field(
        foreign_key="location.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )


class UserSession(SQLModel, table=True):
    """A signed-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        foreign_key="user_account.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", sa_type=IdType)
    csrf_token: str = Field(max_length=64)
    # The sign-in passed a second factor. A session without it is worthless to an account that
    # has two-factor sign-in on, however the session was started.
    second_factor: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AppSetting(SQLModel, table=True):
    """Values every process and host must share, such as the generated secret key."""

    __tablename__ = "app_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=500)


class LoginThrottle(SQLModel, table=True):
    """Recent failed sign-ins for one account or one client, shared by every process."""

    __tablename__ = "login_throttle"

    # "account:<sha256 of the email>" or "client:<address>".
    key: str = Field(primary_key=True, max_length=120)
    failures: int = 0
    window_started_at: datetime = Field(sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
