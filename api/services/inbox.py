"""A manager's inbox: the organisation's cards, newest first, and what can be done with one."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.errors import Unprocessable
from api.models import Card, CardStatus, Code, Employee, Location, utcnow
from api.schemas import CardOut
from api.services.tenancy import Tenant, get_scoped, scoped

PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxFilter:
    location_id: int | None = None
    employee_id: int | None = None
    rating: int | None = None
    before_id: int | None = None


@dataclass(frozen=True)
class InboxPage:
    cards: list[CardOut]
    next_before_id: int | None


def list_cards(*, session: Session, tenant: Tenant, filters: InboxFilter) -> InboxPage:
    """One page of the tenant's cards, newest first, with keyset pagination by id."""
    statement = scoped(tenant, Card)
    if filters.location_id is not None:
        statement = statement.where(Card.location_id == filters.location_id)
    if filters.employee_id is not None:
        statement = statement.where(Card.employee_id == filters.employee_id)
    if filters.rating is not None:
        statement = statement.where(Card.rating == filters.rating)
    if filters.before_id is not None:
        statement = statement.where(col(Card.id) < filters.before_id)
    cards = list(session.exec(statement.order_by(col(Card.id).desc()).limit(PAGE_SIZE + 1)).all())
    more = len(cards) > PAGE_SIZE
    cards = cards[:PAGE_SIZE]
    return InboxPage(
        cards=describe_cards(session=session, cards=cards),
        next_before_id=cards[-1].id if more else None,
    )


def get_card(*, session: Session, tenant: Tenant, card_id: int) -> CardOut:
    card = get_scoped(session, tenant, Card, card_id)
    return describe_cards(session=session, cards=[card])[0]


def set_status(*, session: Session, tenant: Tenant, card_id: int, status: str) -> CardOut:
    """Mark a card seen or resolved, recording who and when."""
    card = get_scoped(session, tenant, Card, card_id)
    now = utcnow()
    if status == CardStatus.seen:
        if card.status == CardStatus.new:
            card.status, card.seen_at, card.seen_by_id = CardStatus.seen, now, tenant.user_id
    elif status == CardStatus.resolved:
        card.status, card.resolved_at, card.resolved_by_id = (
            CardStatus.resolved,
            now,
            tenant.user_id,
        )
        card.seen_at = card.seen_at or now
        card.seen_by_id = card.seen_by_id or tenant.user_id
    else:
        raise Unprocessable("A card can be marked seen or resolved.")
    session.add(card)
    session.commit()
    return describe_cards(session=session, cards=[card])[0]


def describe_cards(*, session: Session, cards: list[Card]) -> list[CardOut]:
    """Cards with the names of their code, location and employee, in three small queries."""
    names = {
        "code": _names(session, Code, Code.token, {c.code_id for c in cards}),
        "location": _names(session, Location, Location.name, {c.location_id for c in cards}),
        "employee": _names(
            session, Employee, Employee.display_name, {c.employee_id for c in cards}
        ),
    }
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
                    "resolved_at",
                }
            ),
            status=str(card.status),
            code_token=names["code"].get(card.code_id, ""),
            location_name=names["location"].get(card.location_id),
            employee_name=names["employee"].get(card.employee_id),
        )
        for card in cards
    ]


def _names(session: Session, model: type, column: object, ids: set[int | None]) -> dict:
    wanted = {id_ for id_ in ids if id_ is not None}
    if not wanted:
        return {}
    rows = session.exec(select(model.id, column).where(col(model.id).in_(wanted))).all()  # type: ignore[attr-defined, call-overload]
    return dict(rows)


def list_filters(*, session: Session, tenant: Tenant) -> tuple[list[Location], list[Employee]]:
    """The locations and employees a manager can filter by."""
    locations = scoped(tenant, Location).order_by(Location.name)
    if tenant.location_ids is not None:
        locations = locations.where(col(Location.id).in_(tenant.location_ids))
    employees = scoped(tenant, Employee).order_by(Employee.display_name)
    return list(session.exec(locations).all()), list(session.exec(employees).all())
