"""Passing a compliment on: a positive card that names an employee reaches them, once, with a
manager's note; the customer can then be told it mattered."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from api.errors import Conflict, Unprocessable
from api.i18n import N_
from api.inbox.card_work import lock_card
from api.inbox.events import record_event
from api.inbox.reading import mark_read
from api.models import (
    Card,
    CardStatus,
    Employee,
    EventKind,
    Membership,
    PassOn,
    ReplyEmail,
    Role,
    User,
)
from api.recognition.schemas import PassOnOut
from api.tenancy import Tenant

# A card rated this or higher is a compliment; 1–2 are negative and never leave the managers.
COMPLIMENT_MIN_RATING = 4
NOTE_MAX = 2000


class NotACompliment(Unprocessable):
    title = N_("Only a compliment (rated 4 or 5) can be passed on.")


class NobodyNamed(Unprocessable):
    title = N_("This card names nobody to pass it on to.")


class EmptyNote(Unprocessable):
    title = N_("Please write a note of thanks first.")


class LongNote(Unprocessable):
    title = N_("Please keep the note under 2,000 characters.")


class NotAnOwner(Unprocessable):
    title = N_("Choose an owner of this organisation to copy in.")


class AlreadyPassedOn(Conflict):
    title = N_("This compliment has already been passed on.")


@dataclass(frozen=True)
class Owner:
    user_id: int
    name: str
    email: str


def is_compliment(card: Card) -> bool:
    """A positive card that names an employee: the only kind that may leave the managers."""
    return card.rating >= COMPLIMENT_MIN_RATING and card.employee_id is not None


def first_name(display_name: str) -> str:
    """What a customer saw of an employee, at most: the first word of the name on the card."""
    words = display_name.split()
    return words[0] if words else display_name


def check_note(note: str) -> str:
    text = note.replace("\r\n", "\n").strip()
    if not text:
        raise EmptyNote()
    if len(text) > NOTE_MAX:
        raise LongNote()
    return text


def list_owners(*, session: Session, organisation_id: int) -> list[Owner]:
    """The organisation's owners, whom a manager may copy in on a pass-on."""
    rows = session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.organisation_id == organisation_id, Membership.role == Role.owner)
        .order_by(col(User.display_name), col(User.id))
    ).all()
    return [
        Owner(user_id=user.id, name=user.display_name or user.email, email=user.email)
        for user in rows
        if user.id is not None
    ]


def pass_on_compliment(
    *, session: Session, tenant: Tenant, card_id: int, note: str, copy_owner_id: int | None = None
) -> PassOn:
    """Record the pass-on and its event in one transaction; its emails go out after the commit."""
    text = check_note(note)
    card = lock_card(session, tenant, card_id)
    if card.rating < COMPLIMENT_MIN_RATING:
        raise NotACompliment()
    if card.employee_id is None:
        raise NobodyNamed()
    if session.exec(select(PassOn.id).where(PassOn.card_id == card.id)).first() is not None:
        raise AlreadyPassedOn()
    copy_to = ""
    if copy_owner_id is not None:
        owners = list_owners(session=session, organisation_id=tenant.organisation_id)
        owner = next((o for o in owners if o.user_id == copy_owner_id), None)
        if owner is None:
            raise NotAnOwner()
        copy_to = owner.email
    employee = session.get_one(Employee, card.employee_id)
    wants_news = card.wants_reply and bool(card.contact_email)
    pass_on = PassOn(
        organisation_id=card.organisation_id,
        card_id=card_id,
        employee_id=employee.id,
        passed_on_by_id=tenant.user_id,
        note=text,
        copy_to=copy_to,
        email_to=employee.email or "",
        email_status=ReplyEmail.pending if employee.email else ReplyEmail.none,
        customer_email_status=ReplyEmail.pending if wants_news else ReplyEmail.none,
    )
    session.add(pass_on)
    session.flush()
    mark_read(session=session, card=card, user_id=tenant.user_id)
    record_event(
        session=session,
        kind=EventKind.card_passed_on,
        card=card,
        actor_id=tenant.user_id,
        data={"to": employee.display_name, "pass_on_id": pass_on.id},
    )
    session.commit()
    return pass_on


def pass_ons_of(*, session: Session, card_ids: list[int]) -> dict[int, PassOn]:
    """The pass-on of each of these cards that has one."""
    if not card_ids:
        return {}
    rows = session.exec(select(PassOn).where(col(PassOn.card_id).in_(card_ids))).all()
    return {row.card_id: row for row in rows}


def waiting_compliments(
    *,
    session: Session,
    organisation_id: int,
    older_than: datetime,
    location_ids: set[int] | None = None,
    limit: int = 50,
) -> list[int]:
    """Compliments received before `older_than`, not yet passed on nor dismissed, oldest first;
    a manager limited to some locations gets only theirs."""
    statement = (
        select(Card.id)
        .where(Card.organisation_id == organisation_id)
        .where(col(Card.rating) >= COMPLIMENT_MIN_RATING)
        .where(col(Card.employee_id).is_not(None))
        .where(col(Card.status) != CardStatus.dismissed)
        .where(col(Card.created_at) < older_than)
        # A compliment a month old is no longer news for its employee: the reminder stops.
        .where(col(Card.created_at) >= older_than - timedelta(days=30))
        .where(~select(PassOn.id).where(PassOn.card_id == Card.id).exists())
        .order_by(col(Card.id))
        .limit(limit)
    )
    if location_ids is not None:
        statement = statement.where(col(Card.location_id).in_(location_ids))
    return [card_id for card_id in session.exec(statement).all() if card_id is not None]


def describe_pass_ons(*, session: Session, card_ids: list[int]) -> dict[int, PassOnOut]:
    """Each card's pass-on, if it has one, with the employee's and the manager's names."""
    return describe_rows(
        session=session, rows=list(pass_ons_of(session=session, card_ids=card_ids).values())
    )


def describe_rows(*, session: Session, rows: list[PassOn]) -> dict[int, PassOnOut]:
    """These pass-ons, by card, with the employee's and the manager's names."""
    found = {row.card_id: row for row in rows}
    if not found:
        return {}
    employee_ids = [p.employee_id for p in found.values() if p.employee_id is not None]
    user_ids = [p.passed_on_by_id for p in found.values() if p.passed_on_by_id is not None]
    employees = dict(
        session.exec(
            select(Employee.id, Employee.display_name).where(col(Employee.id).in_(employee_ids))
        ).all()
    )
    users = {
        user.id: user.display_name or user.email
        for user in session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    }
    return {
        card_id: PassOnOut(
            card_id=card_id,
            employee_id=row.employee_id,
            employee_name=employees.get(row.employee_id),
            note=row.note,
            passed_on_by=users.get(row.passed_on_by_id),
            created_at=row.created_at,
            email_status=str(row.email_status),
            email_to=row.email_to,
            email_error=row.email_error,
            copy_to=row.copy_to,
            customer_email_status=str(row.customer_email_status),
        )
        for card_id, row in found.items()
    }
