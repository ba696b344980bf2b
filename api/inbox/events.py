"""The event table: written in the transaction that makes the change, read in id order.

Ids are the order readers rely on: a stream remembers the last id it sent and asks for larger
ones. That is only safe if, within an organisation, no transaction can commit an id smaller than
one already visible. SQLite has a single writer, so ids are taken in commit order. PostgreSQL
takes sequence values without waiting for commits, so two concurrent writers could commit 11
before 10; a transaction-scoped advisory lock per organisation, taken just before the event
row is inserted and released by the commit, puts them back in order. It is held only for the
insert and the commit, and only writers of the same organisation wait for it. Every writer takes
it before the analytics rows it counts (api.analytics.summaries), so that no two writers wait for
each other's in opposite orders.
"""

from typing import Any

from sqlalchemy import Connection, Engine, func, insert, text
from sqlmodel import Session, col, select

from api.analytics.summaries import count_cards_created, count_event
from api.db_direct import execute, execute_many
from api.models import Card, Event, EventKind
from api.tenancy import Tenant, scoped

NOTIFY_CHANNEL = "tellus_events"
# Built once, as the card writer's other statements (api.customer.cards).
INSERT_EVENT = insert(Event)
LOCK_AND_NOTIFY = text(
    "SELECT pg_advisory_xact_lock(:namespace, :organisation), pg_notify(:channel, :payload)"
)
# A card.created event's defaults, made once: building an Event per card (or per group of
# cards) cost more than inserting its row. Each card's row sets its own time, places and data.
CARD_CREATED_ROW = Event(organisation_id=0, kind=EventKind.card_created).model_dump(
    exclude={"id", "created_at", "data"}
)
# The first key of the two-key advisory lock: "TELL" in ASCII, so it clashes with nothing else.
EVENT_LOCK_NAMESPACE = 0x54454C4C


def record_event(
    *,
    session: Session,
    kind: EventKind,
    card: Card,
    actor_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Add an event about a card to the session's transaction (the caller commits)."""
    event = Event(
        organisation_id=card.organisation_id,
        location_id=card.location_id,
        card_id=card.id,
        kind=kind,
        actor_id=actor_id,
        data=data or {},
    )
    _insert(session, event)
    # The analytics summaries change in the same transaction as the card they count.
    count_event(session=session, event=event, card=card)
    return event


def record_cards_created(*, connection: Connection, cards: list[Card]) -> None:
    """Add the card.created events of cards just inserted (with their ids), in one statement,
    and count them (the caller commits): a group of cards stored together, on the driver's
    cursor (api.db_direct)."""
    if connection.dialect.name == "postgresql":
        for organisation_id in sorted({card.organisation_id for card in cards}):
            execute(connection, LOCK_AND_NOTIFY, _lock_and_notify(organisation_id))
    rows = [
        CARD_CREATED_ROW
        | {
            "organisation_id": card.organisation_id,
            "location_id": card.location_id,
            "card_id": card.id,
            "created_at": card.created_at,
            "data": {},
        }
        for card in cards
    ]
    execute_many(connection, INSERT_EVENT, rows)
    count_cards_created(connection=connection, cards=cards)


def record_access_change(*, session: Session, organisation_id: int, user_id: int) -> Event:
    """Say that a person's sessions in an organisation ended or changed (the caller commits):
    every process's open streams of that organisation read their session again."""
    event = Event(
        organisation_id=organisation_id,
        kind=EventKind.access_changed,
        data={"user_id": user_id},
    )
    return _insert(session, event)


def record_erasure(
    *, session: Session, organisation_id: int, actor_id: int | None, by: str, cards: int
) -> Event:
    """Record that a customer's cards were erased, `by` an owner or the customer, and how many
    (the caller commits); never what they said or who they are."""
    event = Event(
        organisation_id=organisation_id,
        kind=EventKind.data_erased,
        actor_id=actor_id,
        data={"by": by, "cards": cards},
    )
    return _insert(session, event)


def _insert(session: Session, event: Event) -> Event:
    _order_and_notify(session, event.organisation_id)
    session.add(event)
    session.flush()
    return event


def _order_and_notify(session: Session, organisation_id: int) -> None:
    """On PostgreSQL, before an organisation's event is inserted (see the module's docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        # One round trip: the lock, and a notification that PostgreSQL delivers to listeners
        # when, and only if, the transaction commits.
        session.execute(LOCK_AND_NOTIFY, _lock_and_notify(organisation_id))


def _lock_and_notify(organisation_id: int) -> dict[str, Any]:
    return {
        "namespace": EVENT_LOCK_NAMESPACE,
        "organisation": organisation_id,
        "channel": NOTIFY_CHANNEL,
        "payload": str(organisation_id),
    }


def latest_event_id(*, session: Session, tenant: Tenant) -> int:
    """The id of the newest event this tenant may read, or 0: where a new stream starts."""
    statement = scoped(tenant, Event).with_only_columns(func.max(Event.id))
    return int(session.exec(statement).one() or 0)  # type: ignore[call-overload]


def organisations_with_events_after(*, engine: Engine, after_id: int) -> tuple[int, set[int]]:
    """The newest event id and the organisations with events after `after_id` (a cheap poll)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Event.id, Event.organisation_id).where(col(Event.id) > after_id)
        ).all()
    if not rows:
        return after_id, set()
    return max(row[0] for row in rows if row[0] is not None), {row[1] for row in rows}


def newest_event_id(*, engine: Engine) -> int:
    """The newest event id of any organisation (where a process starts polling)."""
    with Session(engine) as session:
        return int(session.exec(select(func.max(Event.id))).one() or 0)
