"""What an open inbox is sent: the tenant's events after the last one it saw, with their cards."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col

from api.models import Card, Event, EventKind
from api.schemas import CardOut
from api.services.inbox import describe_cards
from api.services.tenancy import Tenant, scoped


@dataclass(frozen=True)
class CardChange:
    """An event as a live inbox shows it: the card as it is now."""

    event_id: int
    kind: EventKind
    card: CardOut


@dataclass(frozen=True)
class Changes:
    changes: list[CardChange]
    # The id of the last event read, even one whose card is gone: the next read starts after it.
    last_event_id: int
    more: bool


def read_changes(*, engine: Engine, tenant: Tenant, after_id: int, limit: int) -> Changes:
    """The tenant's events after `after_id`, oldest first, each with its card described."""
    with Session(engine) as session:
        events = list(
            session.exec(
                scoped(tenant, Event)
                .where(col(Event.id) > after_id)
                .order_by(col(Event.id))
                .limit(limit)
            ).all()
        )
        card_ids = {event.card_id for event in events if event.card_id is not None}
        cards = (
            list(session.exec(scoped(tenant, Card).where(col(Card.id).in_(card_ids))).all())
            if card_ids
            else []
        )
        described = {card.id: card for card in describe_cards(session=session, cards=cards)}
    changes = [
        CardChange(event_id=event.id, kind=event.kind, card=described[event.card_id])
        for event in events
        if event.id is not None and event.card_id in described
    ]
    last_event_id = events[-1].id if events else None
    return Changes(
        changes=changes,
        last_event_id=last_event_id or after_id,
        more=len(events) == limit,
    )
