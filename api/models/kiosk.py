"""A tablet turned into a kiosk: it shows one code's card to customer after customer."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class Kiosk(SQLModel, table=True):
    """A device token (only its hash is stored) that opens a code's card in kiosk mode."""

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    code_id: int = Field(foreign_key="code.id", ondelete="CASCADE", sa_type=IdType)
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The tablet reloads its card at least once a minute: this says whether it is still there.
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
