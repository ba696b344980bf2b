"""The inbox's current filter as CSV, streamed page by page, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy import Engine
from sqlmodel import Session

from api.inbox.card_query import InboxFilter, filtered_cards, zone_of
from api.inbox.schemas import CardOut
from api.inbox.service import describe_cards
from api.tenancy import Tenant

BATCH = 500
COLUMNS = (
    "id",
    "received",
    "rating",
    "status",
    "location",
    "employee",
    "assignee",
    "tags",
    "comment",
    "contact_name",
    "contact_email",
    "contact_phone",
)
# A spreadsheet reads a cell that starts with one of these as a formula (or, for tab and
# carriage return, strips them and then does): a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def card_row(card: CardOut, time_zone: str) -> list[str]:
    values: list[object] = [
        card.id,
        card.created_at.astimezone(zone_of(time_zone)).strftime("%Y-%m-%d %H:%M"),
        card.rating,
        card.status,
        card.location_name,
        card.employee_name,
        card.assignee,
        ", ".join(card.tags),
        card.comment,
        card.contact_name,
        card.contact_email,
        card.contact_phone,
    ]
    return [neutralise(value) for value in values]


def export_rows(
    *, engine: Engine, tenant: Tenant, filters: InboxFilter, time_zone: str
) -> Iterator[str]:
    """CSV text, a header then one line per card, read in keyset batches on short sessions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    filters = replace(filters, before_id=None)
    while True:
        with Session(engine) as session:
            statement = filtered_cards(session=session, tenant=tenant, filters=filters)
            cards = list(session.exec(statement.limit(BATCH)).all())
            described = describe_cards(session=session, cards=cards)
        for card in described:
            writer.writerow(card_row(card, time_zone))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(cards) < BATCH:
            return
        filters = replace(filters, before_id=cards[-1].id)
