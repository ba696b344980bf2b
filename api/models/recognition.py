"""Recognition: a compliment passed on to the employee it names, with a manager's thanks."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, String, UniqueConstraint
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


class Certificate(SQLModel, table=True):
    """A certificate of appreciation: an employee's compliments over a period, with the quotes a
    manager chose from them and the manager's name to sign it. One per person and period."""

    __table_args__ = (UniqueConstraint("employee_id", "starts_on", "ends_on"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    organisation_id: int = Field(
        foreign_key="organisation.id", index=True, ondelete="CASCADE", sa_type=IdType
    )
    employee_id: int = Field(foreign_key="employee.id", ondelete="CASCADE", sa_type=IdType)
    starts_on: date
    ends_on: date  # the last day, included
    # The passed-on compliments the manager saw when signing (a limited manager counts their
    # locations' only): the certificate keeps saying what they signed.
    compliments: int
    # The cards quoted, in the manager's order; a card since erased is left out when printed.
    quote_card_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    signed_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL", sa_type=IdType
    )
    signed_by_name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
