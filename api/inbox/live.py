"""What an open inbox is sent: the tenant's events after the last one it saw, with their cards."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col

from api.inbox.schemas import CardOut
from api.inbox.service import count_unread, describe_cards
from api.models import Card, Event, EventKind
from api.tenancy import Tenant, scoped, scoped_live_events

# Events that can change how many cards are unread: a new card, one opened, or cards erased.
UNREAD_CHANGES = (EventKind.card_created, EventKind.card_status, EventKind.data_erased)


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
    # Someone's access in the organisation changed: the stream reads its own session again.
    access_changed: bool = False
    # How many cards are unread after this batch, when it brought or opened one (else None).
    unread: int | None = None


def read_changes(*, engine: Engine, tenant: Tenant, after_id: int, limit: int) -> Changes:
    """The tenant's events after `after_id`, oldest first, each with its card described.

    A batch ends at an access change: the stream reads its session again before it sends
    anything that came after (a removed manager is not sent the next card).
    """
    with Session(engine) as session:
        events = list(
            session.exec(
                scoped_live_events(tenant)
                .where(col(Event.id) > after_id)
                .order_by(col(Event.id))
                .limit(limit)
            ).all()
        )
        more = len(events) == limit
        access = [i for i, event in enumerate(events) if event.kind == EventKind.access_changed]
        if access:
            more = more or access[0] < len(events) - 1
            events = events[: access[0] + 1]
        card_ids = {event.card_id for event in events if event.card_id is not None}
        cards = (
            list(session.exec(scoped(tenant, Card).where(col(Card.id).in_(card_ids))).all())
            if card_ids
            else []
        )
        described = {card.id: card for card in describe_cards(session=session, cards=cards)}
        counted = any(event.kind in UNREAD_CHANGES for event in events)
        unread = count_unread(session=session, tenant=tenant) if counted else None
    changes = [
        CardChange(event_id=event.id, kind=event.kind, card=described[event.card_id])
        for event in events
        if event.id is not None and event.card_id in described
    ]
    last_event_id = events[-1].id if events else None
    return Changes(
        changes=changes,
        last_event_id=last_event_id or after_id,
        more=more,
        access_changed=bool(access),
        unread=unread,
    )
