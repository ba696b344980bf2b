"""The kudos wall's gate: a compliment shows only with the customer's consent and a manager's
approval, until either withdraws it; and what the wall may show of it (never contact details,
notes, or a card rated below 4)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, or_, select

from api.customer.codes import logo_url
from api.customer.schemas import SHARE_MIN_RATING
from api.errors import Conflict, NotFound, Unprocessable
from api.i18n import N_
from api.inbox.card_work import lock_card
from api.inbox.events import record_event
from api.kudos.schemas import ShareOut
from api.models import Card, Employee, EventKind, Location, Organisation, utcnow
from api.recognition.service import first_name
from api.tenancy import Tenant

WALL_SIZE = 60


class NotShared(Unprocessable):
    title = N_("The customer did not choose to share this card.")


class NothingToShow(Unprocessable):
    title = N_("This card has no words to show on the wall.")


class ShareWithdrawn(Conflict):
    title = N_("This compliment was withdrawn from the wall: it cannot be shown again.")


class ShareState(StrEnum):
    """Where a card stands with the wall: `none` when the customer did not consent."""

    none = "none"
    waiting = "waiting"
    shown = "shown"
    withdrawn = "withdrawn"


def share_state(card: Card) -> ShareState:
    if not card.share_publicly or card.rating < SHARE_MIN_RATING:
        return ShareState.none
    if card.share_withdrawn_at is not None:
        return ShareState.withdrawn
    if card.share_approved_at is not None:
        return ShareState.shown
    return ShareState.waiting


def describe_share(card: Card) -> ShareOut | None:
    """The card's place on the wall, for the inbox and the API; None when it is not shared."""
    state = share_state(card)
    if state is ShareState.none:
        return None
    return ShareOut(
        name=card.share_name,
        state=state.value,
        approved_at=card.share_approved_at,
        withdrawn_at=card.share_withdrawn_at,
    )


def _shared_card(session: Session, tenant: Tenant, card_id: int) -> Card:
    card = lock_card(session, tenant, card_id)
    if share_state(card) is ShareState.none:
        raise NotShared()
    return card


def approve_share(*, session: Session, tenant: Tenant, card_id: int) -> Card:
    """Put a shared compliment on the wall (again: harmless); a withdrawn one stays off."""
    card = _shared_card(session, tenant, card_id)
    if card.share_withdrawn_at is not None:
        raise ShareWithdrawn()
    if not card.comment.strip():
        raise NothingToShow()
    if card.share_approved_at is None:
        card.share_approved_at = utcnow()
        session.add(card)
        # In the card's history, and in every open inbox's row at once.
        data = {"from": ShareState.waiting.value, "to": ShareState.shown.value}
        record_event(
            session=session,
            kind=EventKind.card_shared,
            card=card,
            actor_id=tenant.user_id,
            data=data,
        )
        session.commit()
    return card


def withdraw_share(*, session: Session, tenant: Tenant, card_id: int) -> Card:
    """Take a compliment off the wall for good (a manager's change of mind, or the customer's)."""
    card = _shared_card(session, tenant, card_id)
    return _withdraw(session, card, actor_id=tenant.user_id)


def withdraw_own_share(*, session: Session, card: Card) -> Card:
    """The customer takes their compliment off the wall, from their follow-up page."""
    # Read again, locked: a manager may be withdrawing it at the same moment (PostgreSQL; on
    # SQLite the writer's transaction holds the lock already).
    locked = select(Card).where(col(Card.id) == card.id).with_for_update()
    card = session.exec(locked.execution_options(populate_existing=True)).one()
    if share_state(card) is ShareState.none:
        raise NotShared()
    return _withdraw(session, card, by_customer=True)


def _withdraw(
    session: Session, card: Card, *, actor_id: int | None = None, by_customer: bool = False
) -> Card:
    if card.share_withdrawn_at is None:
        # Off the wall, or kept off it before it was ever shown ("Don't share").
        data = {"from": share_state(card).value, "to": ShareState.withdrawn.value}
        if by_customer:
            data["by"] = "customer"
        card.share_withdrawn_at = utcnow()
        session.add(card)
        record_event(
            session=session, kind=EventKind.card_shared, card=card, actor_id=actor_id, data=data
        )
        session.commit()
    return card


@dataclass(frozen=True)
class Kudos:
    """One compliment as the wall shows it: the words, the rating (4 or 5), the name the customer
    chose, the employee's first name and the place."""

    id: int
    comment: str
    rating: int
    customer_name: str
    employee_name: str | None
    location_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class Wall:
    organisation_id: int
    slug: str
    organisation_name: str
    default_language: str
    time_zone: str
    logo_url: str | None
    location_id: int | None
    location_name: str | None
    kudos: list[Kudos]


def read_wall(
    *, session: Session, slug: str, location_id: int | None = None, limit: int = WALL_SIZE
) -> Wall:
    """An organisation's wall (or one location's): its approved, consented compliments, newest
    approval first. A card naming an employee who was deactivated leaves the wall with them."""
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None or organisation.id is None:
        raise NotFound()
    location = None
    if location_id is not None:
        location = session.get(Location, location_id)
        if location is None or location.organisation_id != organisation.id:
            raise NotFound()
    return Wall(
        organisation_id=organisation.id,
        slug=organisation.slug,
        organisation_name=organisation.name,
        default_language=organisation.default_language,
        time_zone=organisation.time_zone,
        logo_url=logo_url(organisation),
        location_id=location_id,
        location_name=location.name if location else None,
        kudos=list_kudos(
            session=session,
            organisation_id=organisation.id,
            location_id=location_id,
            limit=limit,
        ),
    )


def list_kudos(
    *, session: Session, organisation_id: int, location_id: int | None, limit: int = WALL_SIZE
) -> list[Kudos]:
    """The one query that decides what is public."""
    statement = (
        select(Card, Employee.display_name, Location.name)
        .outerjoin(Employee, col(Employee.id) == Card.employee_id)
        .outerjoin(Location, col(Location.id) == Card.location_id)
        .where(
            Card.organisation_id == organisation_id,
            col(Card.share_publicly).is_(True),
            col(Card.share_approved_at).is_not(None),
            col(Card.share_withdrawn_at).is_(None),
            Card.rating >= SHARE_MIN_RATING,
            Card.comment != "",
            or_(col(Card.employee_id).is_(None), col(Employee.active).is_(True)),
        )
        .order_by(col(Card.share_approved_at).desc(), col(Card.id).desc())
        .limit(limit)
    )
    if location_id is not None:
        statement = statement.where(Card.location_id == location_id)
    return [
        Kudos(
            id=card.id or 0,
            comment=card.comment,
            rating=card.rating,
            customer_name=card.share_name,
            employee_name=first_name(employee) if employee else None,
            location_name=location,
            created_at=card.created_at,
        )
        for card, employee, location in session.exec(statement)
    ]
