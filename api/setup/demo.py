"""A demo organisation to try Tellus with: a café with three places and three people."""

from dataclasses import dataclass

from sqlmodel import Session, select

from api.accounts.service import create_user
from api.customer.codes import NO_CACHE
from api.models import Code, Organisation, User
from api.security import hash_password, new_secret
from api.setup.codes import create_code
from api.setup.employees import save_employee
from api.setup.locations import save_location
from api.setup.organisations import add_owner, create_organisation
from api.setup.schemas import CodeIn, EmployeeIn, LocationIn

DEMO_SLUG = "harbour-cafe"
DEMO_EMAIL = "manager@demo.tellus.invalid"


@dataclass(frozen=True)
class Demo:
    organisation: Organisation
    codes: list[Code]
    email: str
    password: str


def create_demo(*, session: Session) -> Demo:
    """Create the demo organisation once; every call gives its owner a new random password."""
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
    user = create_user(
        session=session, email=DEMO_EMAIL, password=password, display_name="Demo owner"
    )
    owner = add_owner(session=session, organisation=organisation, user=user)
    counter, terrace, table = (
        save_location(
            session=session,
            tenant=owner,
            code_cache=NO_CACHE,
            data=LocationIn(name=name, kind=kind),
        )
        for name, kind in (("Counter", "counter"), ("Terrace", "table"), ("Table 4", "table"))
    )
    staff = (
        ("Maya", "Barista", [counter.id, terrace.id]),
        ("Sam", "Server", [terrace.id, table.id]),
        ("Jo", "Barista", [counter.id]),
    )
    employees = {
        name: save_employee(
            session=session,
            tenant=owner,
            code_cache=NO_CACHE,
            data=EmployeeIn(display_name=name, role_title=title, location_ids=places),
        )
        for name, title, places in staff
    }
    for location in (counter, terrace, table):
        create_code(
            session=session,
            tenant=owner,
            code_cache=NO_CACHE,
            data=CodeIn(label=location.name, location_id=location.id),
        )
    create_code(
        session=session,
        tenant=owner,
        code_cache=NO_CACHE,
        data=CodeIn(label="Maya's badge", employee_id=employees["Maya"].id),
    )
    return organisation
