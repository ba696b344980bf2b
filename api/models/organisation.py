"""An organisation and what it prints codes for: locations, employees, codes."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=120)
    accent_colour: str = Field(default="#2f6f5e", max_length=7)
    logo: bytes | None = None
    default_language: str = Field(default="en", max_length=12)
    time_zone: str = Field(default="UTC", max_length=64)
    # [{"label": "Google", "url": "https://..."}], shown on every thank-you page.
    review_links: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    # Managers and owners must sign in with two factors before they reach anything.
    require_two_factor: bool = False
    # The compliments leaderboard: whether staff see it too, and the fewest compliments a
    # person needs to be on it (fewer would single out the quiet ones).
    leaderboard_for_staff: bool = False
    leaderboard_minimum: int = 3
    # Staff too (off by default: a staff sign-in link already proves the mailbox).
    require_two_factor_staff: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Location(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    name: str = Field(max_length=120)
    kind: str = Field(default="counter", max_length=30)
    # Archived: off every picker, its codes revoked; its cards stay, under its name.
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Employee(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    display_name: str = Field(max_length=80)
    role_title: str = Field(default="", max_length=80)
    email: str | None = Field(default=None, max_length=254)
    # What their compliments are emailed in; "": the organisation's default language.
    language: str = Field(default="", max_length=12)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmployeeLocation(SQLModel, table=True):
    """Where an employee works: who a customer can pick under "who helped you"."""

    __tablename__ = "employee_location"

    employee_id: int = Field(
        foreign_key="employee.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    location_id: int = Field(
        foreign_key="location.id", primary_key=True, index=True, ondelete="CASCADE", sa_type=IdType
    )


class Code(SQLModel, table=True):
    """A printable QR target: a location, or an employee (optionally at a location)."""

    __table_args__ = (
        CheckConstraint(
            "location_id IS NOT NULL OR employee_id IS NOT NULL", name="code_has_target"
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    token: str = Field(max_length=8, min_length=8, unique=True)
    label: str = Field(default="", max_length=120)
    location_id: int | None = Field(
        default=None, foreign_key="location.id", ondelete="CASCADE", sa_type=IdType
    )
    employee_id: int | None = Field(
        default=None, foreign_key="employee.id", ondelete="CASCADE", sa_type=IdType
    )
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None
