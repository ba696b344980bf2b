"""Two-factor sign-in: TOTP secrets, recovery codes, half-finished sign-ins."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class TwoFactor(SQLModel, table=True):
    """A user's authenticator secret; until `enabled_at` is set it is a set-up being confirmed."""

    __tablename__ = "two_factor"

    user_id: int = Field(
        foreign_key="user_account.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    secret: str = Field(max_length=64)
    enabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The 30-second step of the last code accepted: a code is never taken twice.
    last_step: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RecoveryCode(SQLModel, table=True):
    """A single-use code for a lost phone; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    user_id: int = Field(
        foreign_key="user_account.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingLogin(SQLModel, table=True):
    """A right password waiting for its second step: not a session, it opens nothing."""

    __tablename__ = "pending_login"

    # The hash of the token in the short-lived cookie, as for sessions.
    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        foreign_key="user_account.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    next_path: str = Field(default="/inbox", max_length=500)
    # The organisation the session opens on (an invitation's), or None for the first one.
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", ondelete="CASCADE", sa_type=IdType
    )
    expires_at: datetime = Field(sa_type=UTCDateTime)
