"""The inbox's filters and search as one query, shared by the pages, the JSON API and the export.

Pages are keyset pages by id, newest first: every filter leaves an index that walks
(filter value, id) backwards, so a deep page costs what the first one does (bench/README.md).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Integer, column, table, text
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.inbox.schemas import CardOut
from api.models import Card, CardStatus, CardTag, Tag
from api.tenancy import Tenant, scoped

# Words for full-text search: letters and digits, as both engines' tokenizers split them.
WORD = re.compile(r"\w+")
MAX_WORDS = 8


@dataclass(frozen=True)
class InboxFilter:
    location_id: int | None = None
    employee_id: int | None = None
    rating: int | None = None
    status: CardStatus | None = None
    tag: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    # Aware UTC bounds: the organisation's days, turned into instants by `day_bounds`.
    created_from: datetime | None = None
    created_before: datetime | None = None
    words: str = ""
    before_id: int | None = None

    @property
    def is_live(self) -> bool:
        """Whether a live stream can tell which new cards belong on this page."""
        narrowed = self.tag or self.assignee_id or self.unassigned or self.words
        return not (narrowed or self.created_from or self.created_before or self.before_id)

    def admits(self, card: CardOut) -> bool:
        """Whether a card belongs on a page with these filters (a live inbox asks)."""
        return (
            self.location_id in (None, card.location_id)
            and self.employee_id in (None, card.employee_id)
            and self.rating in (None, card.rating)
            and self.status in (None, card.status)
        )


def zone_of(time_zone: str) -> ZoneInfo:
    """The organisation's zone; UTC if its name is unknown to this system."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_bounds(
    first: date | None, last: date | None, time_zone: str
) -> tuple[datetime | None, datetime | None]:
    """The instants that start `first` and end `last` (inclusive) on the organisation's clock."""
    zone = zone_of(time_zone)

    def start(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return (
        start(first) if first else None,
        start(last + timedelta(days=1)) if last else None,
    )


def search_terms(words: str) -> list[str]:
    return WORD.findall(words.lower())[:MAX_WORDS]


# FTS5's table as SQLAlchemy sees it: only its rowid (the card's id) is ever selected.
CARD_FTS = table("card_fts", column("rowid", Integer))


def fts_query(terms: list[str]) -> str:
    # Each word quoted, so FTS5 syntax typed by a manager (AND, NEAR, *) stays plain text, then
    # marked as the start of a word: "sou" finds "soup". The table folds accents itself.
    return " ".join(f'"{term}"*' for term in terms)


def postgres_query(terms: list[str]) -> str:
    # Words only (search_terms keeps \w runs, so no quote or operator gets through), each quoted
    # and marked as a prefix: 'sou':* & 'cold':*.
    return " & ".join(f"'{term}':*" for term in terms)


def postgres_match(terms: list[str]) -> ColumnElement[bool]:
    # Spelled as the index is (the configuration a literal), so the planner can use it; the
    # configuration folds accents in the comment and the query alike (migration 0015).
    return text(
        "to_tsvector('tellus_search', card.comment) @@ to_tsquery('tellus_search', :ts_words)"
    ).bindparams(ts_words=postgres_query(terms))  # type: ignore[return-value]


def filtered_cards(
    *, session: Session, tenant: Tenant, filters: InboxFilter
) -> SelectOfScalar[Card]:
    """The tenant's cards that pass every filter, newest first (no limit).

    The newest-first order is taken from whichever index drives the query: FTS5's rowids for
    a search on SQLite, the tag's (tag_id, card_id) index for a tag, else the card's own. All
    three are the card's id, so the pages' keyset is the same; only the planner sees a
    difference (no sort of every match, see bench/README.md).
    """
    statement = scoped(tenant, Card)
    order: Any = col(Card.id)
    for field, value in (
        (Card.location_id, filters.location_id),
        (Card.employee_id, filters.employee_id),
        (Card.rating, filters.rating),
        (Card.status, filters.status),
        (Card.assignee_id, filters.assignee_id),
    ):
        if value is not None:
            statement = statement.where(field == value)
    if filters.unassigned:
        statement = statement.where(col(Card.assignee_id).is_(None))
    statement = within_dates(statement, tenant, filters)
    if filters.tag:
        tag_id = (
            select(Tag.id)
            .where(Tag.organisation_id == tenant.organisation_id, Tag.name == filters.tag)
            .scalar_subquery()
        )
        statement = statement.join(CardTag, col(CardTag.card_id) == Card.id).where(
            col(CardTag.tag_id) == tag_id
        )
        order = col(CardTag.card_id)
    terms = search_terms(filters.words)
    if terms and session.get_bind().dialect.name == "sqlite":
        statement = statement.join(CARD_FTS, CARD_FTS.c.rowid == Card.id).where(
            text("card_fts MATCH :fts_words").bindparams(fts_words=fts_query(terms))
        )
        order = CARD_FTS.c.rowid
    elif terms:
        statement = statement.where(postgres_match(terms))
    if filters.before_id is not None:
        statement = statement.where(order < filters.before_id)
    return statement.order_by(order.desc())


def within_dates(
    statement: SelectOfScalar[Card], tenant: Tenant, filters: InboxFilter
) -> SelectOfScalar[Card]:
    """Cards received between the bounds, as a range of ids the newest-first walk can use.

    Ids grow with the time a card is stored, so the range's first and last cards (one index
    seek each on (organisation_id, created_at)) bound its ids; the times are still checked.
    Without the id bounds both engines would sort every card of the range to show fifty.
    """
    created = col(Card.created_at)
    if filters.created_from is not None:
        after = created >= filters.created_from
        first = select(Card.id).where(Card.organisation_id == tenant.organisation_id, after)
        first = first.order_by(created, col(Card.id)).limit(1)
        statement = statement.where(after, col(Card.id) >= first.scalar_subquery())
    if filters.created_before is not None:
        before = created < filters.created_before
        last = select(Card.id).where(Card.organisation_id == tenant.organisation_id, before)
        last = last.order_by(created.desc(), col(Card.id).desc()).limit(1)
        statement = statement.where(before, col(Card.id) <= last.scalar_subquery())
    return statement
