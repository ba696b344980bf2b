"""A demo organisation to try Tellus with: a café with three places and three people."""

from dataclasses import dataclass

from sqlmodel import Session, select

from api.accounts.service import add_membership, create_user
from api.models import Code, Organisation, Role, User
from api.security import hash_password, new_secret
from api.setup.organisations import (
    add_employee,
    add_location,
    create_organisation,
    issue_code,
)

DEMO_SLUG = "harbour-cafe"
DEMO_EMAIL = "manager@demo.tellus.invalid"


@dataclass(frozen=True)
class Demo:
    organisation: Organisation
    codes: list[Code]
    email: str
    password: str


def create_demo(*, session: Session) -> Demo:
    """Create the demo organisation once; every call gives the manager a new random password."""
    password = new_secret(12)
    organisation = session.exec(select(Organisation).where(Organisation.slug == DEMO_SLUG)).first()
    if organisation is None:
        organisation = _build(session=session, password=password)
    else:
        user = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
        user.password_hash = hash_password(password)
        session.add(user)
    session.commit()
    codes = list(
        session.exec(
            select(Code).where(Code.organisation_id == organisation.id).order_by(Code.id)  # type: ignore[arg-type]
        ).all()
    )
    return Demo(organisation=organisation, codes=codes, email=DEMO_EMAIL, password=password)


def _build(*, session: Session, password: str) -> Organisation:
    organisation = create_organisation(
        session=session,
        name="Harbour Café",
        accent_colour="#1f6f8b",
        review_links=[{"label": "Google", "url": "https://www.google.com/maps"}],
    )
    assert organisation.slug == DEMO_SLUG
    counter = add_location(session=session, organisation=organisation, name="Counter")
    terrace = add_location(session=session, organisation=organisation, name="Terrace", kind="table")
    table = add_location(session=session, organisation=organisation, name="Table 4", kind="table")
    maya = add_employee(
        session=session,
        organisation=organisation,
        display_name="Maya",
        role_title="Barista",
        locations=(counter, terrace),
    )
    add_employee(
        session=session,
        organisation=organisation,
        display_name="Sam",
        role_title="Server",
        locations=(terrace, table),
    )
    add_employee(
        session=session,
        organisation=organisation,
        display_name="Jo",
        role_title="Barista",
        locations=(counter,),
    )
    for location in (counter, terrace, table):
        issue_code(
            session=session, organisation=organisation, label=location.name, location=location
        )
    issue_code(session=session, organisation=organisation, label="Maya's badge", employee=maya)
    user = create_user(
        session=session, email=DEMO_EMAIL, password=password, display_name="Demo manager"
    )
    add_membership(session=session, user=user, organisation=organisation, role=Role.owner)
    return organisation
