"""The kudos wall's TV screens: a random link that shows the wall, and that an owner revokes."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class KudosScreen(SQLModel, table=True):
    """A TV link for the whole organisation or one location; the link holds a token, the table
    only its SHA-256."""

    __tablename__ = "kudos_screen"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    location_id: int | None = Field(
        default=None, foreign_key="location.id", ondelete="CASCADE", sa_type=IdType
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
