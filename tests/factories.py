"""Small helpers that build test data through the same services the app uses."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from api.accounts.service import add_membership, create_user
from api.customer.codes import NO_CACHE
from api.db import writer
from api.inbox.events import record_event
from api.models import (
    Card,
    CardStatus,
    Code,
    Employee,
    EventKind,
    Location,
    Organisation,
    Role,
    User,
)
from api.security import new_secret
from api.setup.codes import create_code
from api.setup.employees import save_employee
from api.setup.locations import save_location
from api.setup.organisations import add_owner, create_organisation
from api.setup.schemas import CodeIn, EmployeeIn, LocationIn

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
    """An organisation with its owner, two locations, two employees and three codes, added
    through the set-up services with the owner's tenant, as the owner would add them.

    The services read, then write. On a live server's SQLite file a transaction that does so
    fails at once if the server wrote in between, so these transactions take the write lock
    first, as the app's writers do (api.db.writer); the session reads as before afterwards."""
    session.commit()
    reading = session.bind
    session.bind = writer(reading)  # type: ignore[arg-type]
    try:
        world = _build_world(session, name=name)
        session.commit()
    finally:
        session.bind = reading
    return world


def _build_world(session: Session, *, name: str) -> World:
    organisation = create_organisation(session=session, name=name)
    email = f"owner@{organisation.slug}.example"
    owner = create_user(session=session, email=email, password=PASSWORD)
    tenant = add_owner(session=session, organisation=organisation, user=owner)
    counter = save_location(
        session=session, tenant=tenant, code_cache=NO_CACHE, data=LocationIn(name="Counter")
    )
    terrace = save_location(
        session=session,
        tenant=tenant,
        code_cache=NO_CACHE,
        data=LocationIn(name="Terrace", kind="table"),
    )
    maya = save_employee(
        session=session,
        tenant=tenant,
        code_cache=NO_CACHE,
        data=EmployeeIn(display_name="Maya", location_ids=[counter.id]),
    )
    sam = save_employee(
        session=session,
        tenant=tenant,
        code_cache=NO_CACHE,
        data=EmployeeIn(display_name="Sam", location_ids=[terrace.id]),
    )
    return World(
        organisation=organisation,
        counter=counter,
        terrace=terrace,
        maya=maya,
        sam=sam,
        counter_code=create_code(
            session=session,
            tenant=tenant,
            code_cache=NO_CACHE,
            data=CodeIn(label="Counter", location_id=counter.id),
        ),
        terrace_code=create_code(
            session=session,
            tenant=tenant,
            code_cache=NO_CACHE,
            data=CodeIn(label="Terrace", location_id=terrace.id),
        ),
        maya_code=create_code(
            session=session,
            tenant=tenant,
            code_cache=NO_CACHE,
            data=CodeIn(label="Maya", employee_id=maya.id),
        ),
        owner=owner,
        owner_email=email,
    )


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


def step_card(session: Session, card: Card, target: CardStatus, at: datetime) -> None:
    """What api.inbox.service.move_card does, at a chosen moment (for response times)."""
    before = card.status
    card.status = target
    setattr(card, f"{target}_at", at)
    session.add(card)
    record_event(
        session=session,
        kind=EventKind.card_status,
        card=card,
        data={"from": str(before), "to": str(target)},
    )
    session.commit()


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
