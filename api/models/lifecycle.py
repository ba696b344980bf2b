"""How long an organisation keeps its customers' data, and what the retention job last did."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.types import IdType, UTCDateTime


class RetentionPolicy(SQLModel, table=True):
    """An organisation's retention; no row, or no confirmation, means nothing is removed.

    A new organisation gets a proposed policy that its owner confirms on the set-up page; an
    organisation that existed before retention has no row until an owner sets one.
    """

    __tablename__ = "retention_policy"

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    # Days after which a card's contact details are wiped; None: never.
    contact_days: int | None = None
    # Days after which whole cards are deleted; None: never.
    card_days: int | None = None
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_contacts_wiped: int = 0
    last_cards_deleted: int = 0
