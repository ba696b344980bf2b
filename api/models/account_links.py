"""One-time links about a person's own account: a password reset, a new email's confirmation."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class PasswordReset(SQLModel, table=True):
    """An emailed link to choose a new password; the link holds a token, the table its hash."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    user_id: int = Field(
        foreign_key="user_account.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailChange(SQLModel, table=True):
    """A new sign-in email waiting for its owner to open the link sent to it."""

    __tablename__ = "email_change"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    user_id: int = Field(
        foreign_key="user_account.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    new_email: str = Field(max_length=254)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffSignIn(SQLModel, table=True):
    """A one-time link (emailed, or shown as a QR code by a manager) that signs a staff member in
    to one organisation; the link holds a token, the table its hash."""

    __tablename__ = "staff_sign_in"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    membership_id: int = Field(
        foreign_key="membership.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
