"""A card's audit trail: every event about it, with who, when, and what changed from and to."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from api.models import Card, Event, User
from api.tenancy import Tenant, get_scoped, scoped


@dataclass(frozen=True)
class HistoryEntry:
    kind: str
    at: datetime
    # The manager's name; None for the customer or an API key.
    actor: str | None
    # Status names, manager names or a tag name, as the kind needs.
    before: str | None = None
    after: str | None = None
    # No manager or key did it: the customer (sent the card, took it off the kudos wall).
    by_customer: bool = False


def card_history(*, session: Session, tenant: Tenant, card_id: int) -> list[HistoryEntry]:
    """Every event of one card, oldest first."""
    get_scoped(session, tenant, Card, card_id)
    events = list(
        session.exec(scoped(tenant, Event).where(Event.card_id == card_id).order_by(col(Event.id)))
    )
    user_ids = {event.actor_id for event in events} | {
        event.data.get(side)
        for event in events
        if event.kind == "card.assigned"
        for side in ("from", "to")
    }
    wanted = [user_id for user_id in user_ids if isinstance(user_id, int)]
    users = session.exec(select(User).where(col(User.id).in_(wanted))).all() if wanted else []
    names = {user.id: user.display_name or user.email for user in users}
    return [describe_event(event, names) for event in events]


def describe_event(event: Event, names: dict[int | None, str]) -> HistoryEntry:
    before, after = event.data.get("from"), event.data.get("to")
    if event.kind == "card.assigned":
        before, after = names.get(before), names.get(after)
    elif event.kind in ("card.tagged", "card.untagged"):
        after = event.data.get("tag")
    return HistoryEntry(
        kind=str(event.kind),
        at=event.created_at,
        actor=names.get(event.actor_id) if event.actor_id is not None else None,
        before=before,
        after=after,
        by_customer=event.kind == "card.created" or event.data.get("by") == "customer",
    )
