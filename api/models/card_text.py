"""An organisation's own wording of its comment card, per language."""

from sqlmodel import Field, SQLModel

from api.models.types import IdType


class CardText(SQLModel, table=True):
    """An organisation's own wording of the card in one language; blank is the built-in text."""

    __tablename__ = "card_text"

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE", sa_type=IdType
    )
    language: str = Field(primary_key=True, max_length=12)
    question: str = Field(default="", max_length=200)
    thanks: str = Field(default="", max_length=300)
    data_use: str = Field(default="", max_length=400)
