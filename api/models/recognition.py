"""Recognition: a compliment passed on to the employee it names, with a manager's thanks."""

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from api.models.reply import ReplyEmail
from api.models.types import IdType, UTCDateTime, utcnow


class PassOn(SQLModel, table=True):
    """A positive card passed on to its employee: once per card, with the manager's note.

    The email states reuse a reply's (`ReplyEmail`): none, pending, sent, failed, no_server.
    """

    __tablename__ = "pass_on"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    card_id: int = Field(foreign_key="card.id", unique=True, ondelete="CASCADE", sa_type=IdType)
    employee_id: int | None = Field(
        default=None, foreign_key="employee.id", index=True, ondelete="SET NULL", sa_type=IdType
    )
    # None for the API, or a manager since removed.
    passed_on_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    note: str = Field(max_length=2000)
    # An owner copied in on the employee's email ("" when nobody was).
    copy_to: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    email_status: ReplyEmail = Field(default=ReplyEmail.none, sa_type=String(12))
    email_to: str = Field(default="", max_length=254)
    email_error: str = Field(default="", max_length=300)
    # The customer is told by email only when they left an address and asked for an answer.
    customer_email_status: ReplyEmail = Field(default=ReplyEmail.none, sa_type=String(12))
