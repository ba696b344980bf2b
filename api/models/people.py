"""Invitations to join an organisation."""

from datetime import datetime

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from api.models.account import Role
from api.models.types import IdType, UTCDateTime, utcnow


class Invitation(SQLModel, table=True):
    """A one-time link to join an organisation; the link holds a token, the table only its hash."""

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    email: str = Field(max_length=254)
    role: Role = Field(sa_type=String(12))
    # A manager limited to these locations; empty means every location.
    location_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # A staff invitation names the employee the new member is.
    employee_id: int | None = Field(
        default=None, foreign_key="employee.id", ondelete="CASCADE", sa_type=IdType
    )
    token_hash: str = Field(max_length=64, unique=True)
    # What the email and the page are written in; "": the organisation's default language.
    language: str = Field(default="", max_length=12)
    invited_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
