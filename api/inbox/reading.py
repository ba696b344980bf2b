"""Whoever acts on a new card (a reply, a compliment passed on) has read it."""

from sqlmodel import Session

from api.inbox.events import record_event
from api.models import Card, CardStatus, EventKind, utcnow


def mark_read(*, session: Session, card: Card, user_id: int | None) -> None:
    """A new card becomes seen, by this person, with its event (the caller commits); a card
    already further along is left as it is."""
    if card.status != CardStatus.new:
        return
    card.status, card.seen_at, card.seen_by_id = CardStatus.seen, utcnow(), user_id
    session.add(card)
    record_event(
        session=session,
        kind=EventKind.card_status,
        card=card,
        actor_id=user_id,
        data={"from": "new", "to": "seen"},
    )
