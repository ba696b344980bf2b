"""An organisation's own mail server."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime, utcnow


class OrganisationMailServer(SQLModel, table=True):
    """The SMTP server an organisation's mail goes through instead of the installation's."""

    __tablename__ = "organisation_mail_server"

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    host: str = Field(max_length=253)
    port: int
    security: str = Field(max_length=10)
    username: str = Field(default="", max_length=254)
    # Fernet-encrypted with a key derived from the app's secret key: it must be sent, not checked.
    password_encrypted: str = Field(default="", max_length=1000)
    from_address: str = Field(max_length=254)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
