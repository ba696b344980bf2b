"""Small helpers that build test data through the same services the app uses."""

from dataclasses import dataclass, field

from sqlmodel import Session

from api.accounts.service import add_membership, create_user
from api.inbox.events import record_event
from api.models import Card, Code, Employee, EventKind, Location, Organisation, Role, User
from api.security import new_secret
from api.setup.organisations import (
    add_employee,
    add_location,
    create_organisation,
    issue_code,
)

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    organisation: Organisation
    counter: Location
    terrace: Location
    maya: Employee
    sam: Employee
    counter_code: Code
    terrace_code: Code
    maya_code: Code
    owner: User
    owner_email: str
    password: str = PASSWORD
    cards: list[Card] = field(default_factory=list)


def make_world(session: Session, *, name: str) -> World:
    organisation = create_organisation(session=session, name=name)
    counter = add_location(session=session, organisation=organisation, name="Counter")
    terrace = add_location(session=session, organisation=organisation, name="Terrace", kind="table")
    maya = add_employee(
        session=session, organisation=organisation, display_name="Maya", locations=(counter,)
    )
    sam = add_employee(
        session=session, organisation=organisation, display_name="Sam", locations=(terrace,)
    )
    email = f"owner@{organisation.slug}.example"
    owner = create_user(session=session, email=email, password=PASSWORD)
    add_membership(session=session, user=owner, organisation=organisation, role=Role.owner)
    world = World(
        organisation=organisation,
        counter=counter,
        terrace=terrace,
        maya=maya,
        sam=sam,
        counter_code=issue_code(
            session=session, organisation=organisation, label="Counter", location=counter
        ),
        terrace_code=issue_code(
            session=session, organisation=organisation, label="Terrace", location=terrace
        ),
        maya_code=issue_code(
            session=session, organisation=organisation, label="Maya", employee=maya
        ),
        owner=owner,
        owner_email=email,
    )
    session.commit()
    return world


def make_card(session: Session, *, code: Code, **fields: object) -> Card:
    """A stored card for a code, as if a customer had sent it."""
    values: dict[str, object] = {
        "rating": 4,
        "comment": "Lovely coffee",
        "location_id": code.location_id,
        "employee_id": code.employee_id,
        "idempotency_key": new_secret(12),
        "request_hash": "0" * 64,
    }
    values.update(fields)
    card = Card(organisation_id=code.organisation_id, code_id=code.id, **values)  # type: ignore[arg-type]
    session.add(card)
    session.flush()
    # With its event, as api.customer.cards stores one: a live inbox sees it too.
    record_event(session=session, kind=EventKind.card_created, card=card)
    session.commit()
    return card


def make_manager(
    session: Session, *, world: World, email: str, location_ids: frozenset[int] = frozenset()
) -> User:
    """A manager of the world's organisation, optionally limited to some locations."""
    user = create_user(session=session, email=email, password=PASSWORD)
    add_membership(
        session=session,
        user=user,
        organisation=world.organisation,
        role=Role.manager,
        location_ids=location_ids,
    )
    session.commit()
    return user


def reread(session: Session) -> None:
    """Forget what this session read: end its transaction (a SQLite snapshot) and expire rows."""
    session.rollback()
    session.expire_all()
