"""A manager's inbox: the organisation's cards, newest first, and what can be done with one."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from api.errors import Conflict, Unprocessable
from api.i18n import N_
from api.inbox.card_query import InboxFilter, filtered_cards
from api.inbox.card_work import lock_card
from api.inbox.events import record_event
from api.inbox.schemas import CardOut
from api.kudos.service import describe_share
from api.models import (
    Card,
    CardStatus,
    CardTag,
    Code,
    Employee,
    EventKind,
    Location,
    Reply,
    Tag,
    User,
    utcnow,
)
from api.recognition.service import describe_pass_ons, is_compliment
from api.tenancy import Tenant, get_scoped, scoped

PAGE_SIZE = 50
# The workflow's steps that record who took them, in order.
STEPS = ("seen", "acknowledged", "resolved", "dismissed")


@dataclass(frozen=True)
class InboxPage:
    cards: list[CardOut]
    next_before_id: int | None


def list_cards(*, session: Session, tenant: Tenant, filters: InboxFilter) -> InboxPage:
    """One page of the tenant's cards, newest first, with keyset pagination by id."""
    statement = filtered_cards(session=session, tenant=tenant, filters=filters)
    cards = list(session.exec(statement.limit(PAGE_SIZE + 1)).all())
    more = len(cards) > PAGE_SIZE
    cards = cards[:PAGE_SIZE]
    return InboxPage(
        cards=describe_cards(session=session, cards=cards),
        next_before_id=cards[-1].id if more else None,
    )


def count_unread(*, session: Session, tenant: Tenant) -> int:
    """How many of the cards this manager can see nobody has opened yet (status new)."""
    unread = scoped(tenant, Card).where(Card.status == CardStatus.new).whereclause
    return session.exec(select(func.count()).select_from(Card).where(unread)).one()  # type: ignore[arg-type]


def get_card(*, session: Session, tenant: Tenant, card_id: int) -> CardOut:
    card = get_scoped(session, tenant, Card, card_id)
    return describe_cards(session=session, cards=[card])[0]


# How far along the workflow each status is; resolved and dismissed both close a card.
STEP = {
    CardStatus.new: 0,
    CardStatus.seen: 1,
    CardStatus.acknowledged: 2,
    CardStatus.resolved: 3,
    CardStatus.dismissed: 3,
}


class StatusConflict(Conflict):
    title = N_("This card has already moved past that step.")


def set_status(*, session: Session, tenant: Tenant, card_id: int, status: str) -> CardOut:
    """Move a card forward (seen, acknowledged, resolved or dismissed), recording who and when."""
    if status not in STEP or status == CardStatus.new:
        raise Unprocessable(N_("A card can be marked seen, acknowledged, resolved or dismissed."))
    target = CardStatus(status)
    # FOR UPDATE (PostgreSQL; SQLite's writer already holds the lock): two managers acting at
    # once take turns, so the later one sees the first one's step and cannot undo it.
    card = lock_card(session, tenant, card_id)
    current = CardStatus(card.status)
    if target != current and STEP[target] > STEP[current]:
        move_card(session=session, tenant=tenant, card=card, target=target)
        session.commit()
    elif target != current and target != CardStatus.seen:
        # Seen is a fact about reading, asked for each time a card is opened: never a conflict.
        raise StatusConflict()
    return describe_cards(session=session, cards=[card])[0]


def move_card(*, session: Session, tenant: Tenant, card: Card, target: CardStatus) -> None:
    """One step forward, with its who and when, and its event (the caller commits)."""
    current = CardStatus(card.status)
    now = utcnow()
    card.status = target
    setattr(card, f"{target}_at", now)
    setattr(card, f"{target}_by_id", tenant.user_id)
    if card.seen_at is None:
        # Whoever acknowledges or closes a card has read it.
        card.seen_at, card.seen_by_id = now, tenant.user_id
    session.add(card)
    record_event(
        session=session,
        kind=EventKind.card_status,
        card=card,
        actor_id=tenant.user_id,
        data={"from": str(current), "to": str(target)},
    )


def describe_cards(*, session: Session, cards: list[Card]) -> list[CardOut]:
    """Cards with the names of their code, location and employee, in three small queries."""
    names = {
        "code": _names(session, Code, Code.token, {c.code_id for c in cards}),
        "location": _names(session, Location, Location.name, {c.location_id for c in cards}),
        "employee": _names(
            session, Employee, Employee.display_name, {c.employee_id for c in cards}
        ),
        "user": _user_names(
            session,
            {getattr(c, f"{step}_by_id") for c in cards for step in STEPS}
            | {c.assignee_id for c in cards},
        ),
    }
    card_ids = [c.id for c in cards if c.id is not None]
    tags = card_tag_names(session=session, card_ids=card_ids)
    pass_ons = describe_pass_ons(session=session, card_ids=card_ids)
    replied = replied_cards(session=session, card_ids=[c.id for c in cards if c.wants_reply])
    return [
        CardOut(
            **card.model_dump(
                include={
                    "id",
                    "location_id",
                    "employee_id",
                    "rating",
                    "comment",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "wants_reply",
                    "created_at",
                    "seen_at",
                    "acknowledged_at",
                    "resolved_at",
                    "dismissed_at",
                    "assignee_id",
                    "held",
                }
            ),
            **{f"{step}_by": names["user"].get(getattr(card, f"{step}_by_id")) for step in STEPS},
            status=str(card.status),
            assignee=names["user"].get(card.assignee_id),
            tags=tags.get(card.id or 0, []),
            code_token=names["code"].get(card.code_id, ""),
            location_name=names["location"].get(card.location_id),
            employee_name=names["employee"].get(card.employee_id),
            compliment=is_compliment(card),
            passed_on=pass_ons.get(card.id or 0),
            share=describe_share(card),
            replied=card.id in replied,
        )
        for card in cards
    ]


def replied_cards(*, session: Session, card_ids: list[int | None]) -> set[int]:
    """Which of these cards have had a reply, in one query (none when no card is asked about)."""
    wanted = {card_id for card_id in card_ids if card_id is not None}
    if not wanted:
        return set()
    rows = session.exec(select(Reply.card_id).where(col(Reply.card_id).in_(wanted)).distinct())
    return set(rows.all())


def _names(session: Session, model: type, column: object, ids: set[int | None]) -> dict[Any, str]:
    wanted = {id_ for id_ in ids if id_ is not None}
    if not wanted:
        return {}
    rows = session.exec(select(model.id, column).where(col(model.id).in_(wanted))).all()  # type: ignore[attr-defined, call-overload]
    return dict(rows)


def _user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {id_ for id_ in ids if id_ is not None}
    if not wanted:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {user.id: user.display_name or user.email for user in users if user.id is not None}


def list_filters(*, session: Session, tenant: Tenant) -> tuple[list[Location], list[Employee]]:
    """The locations and employees a manager can filter by."""
    locations = scoped(tenant, Location).order_by(Location.name)
    if tenant.location_ids is not None:
        locations = locations.where(col(Location.id).in_(tenant.location_ids))
    employees = scoped(tenant, Employee).order_by(Employee.display_name)
    return list(session.exec(locations).all()), list(session.exec(employees).all())


def card_tag_names(*, session: Session, card_ids: list[int]) -> dict[int, list[str]]:
    """Each card's tag names, alphabetical, in one query."""
    if not card_ids:
        return {}
    rows = session.exec(
        select(CardTag.card_id, Tag.name)
        .join(Tag, col(Tag.id) == CardTag.tag_id)
        .where(col(CardTag.card_id).in_(card_ids))
        .order_by(Tag.name)
    ).all()
    names: dict[int, list[str]] = {}
    for card_id, tag_name in rows:
        names.setdefault(card_id, []).append(tag_name)
    return names
