"""Creating an organisation and what it prints: locations, employees, codes."""

import re
import unicodedata

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.errors import Conflict
from api.models import Code, Employee, EmployeeLocation, Location, Organisation
from qr.tokens import new_token


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "organisation"


def create_organisation(*, session: Session, name: str, **fields: object) -> Organisation:
    """A new organisation with a unique slug made from its name."""
    base = slugify(name)
    slug, number = base, 1
    while session.exec(select(Organisation.id).where(Organisation.slug == slug)).first():
        number += 1
        slug = f"{base[:55]}-{number}"
    organisation = Organisation(name=name, slug=slug, **fields)  # type: ignore[arg-type]
    session.add(organisation)
    session.flush()
    return organisation


def add_location(
    *, session: Session, organisation: Organisation, name: str, kind: str = "counter"
) -> Location:
    location = Location(organisation_id=organisation.id, name=name, kind=kind)  # type: ignore[arg-type]
    session.add(location)
    session.flush()
    return location


def add_employee(
    *,
    session: Session,
    organisation: Organisation,
    display_name: str,
    role_title: str = "",
    locations: tuple[Location, ...] = (),
) -> Employee:
    employee = Employee(
        organisation_id=organisation.id,  # type: ignore[arg-type]
        display_name=display_name,
        role_title=role_title,
    )
    session.add(employee)
    session.flush()
    for location in locations:
        session.add(EmployeeLocation(employee_id=employee.id, location_id=location.id))  # type: ignore[arg-type]
    session.flush()
    return employee


def issue_code(
    *,
    session: Session,
    organisation: Organisation,
    label: str = "",
    location: Location | None = None,
    employee: Employee | None = None,
) -> Code:
    """A new printable code with a fresh random token."""
    if location is None and employee is None:
        raise Conflict("A code points at a location, an employee, or both.")
    return new_code(
        session=session,
        organisation_id=organisation.id,  # type: ignore[arg-type]
        label=label,
        location_id=location.id if location else None,
        employee_id=employee.id if employee else None,
    )


def new_code(
    *,
    session: Session,
    organisation_id: int,
    label: str,
    location_id: int | None,
    employee_id: int | None,
) -> Code:
    """Add a code row with a random token (flushed, not committed)."""
    for _ in range(5):
        code = Code(
            organisation_id=organisation_id,
            token=new_token(),
            label=label,
            location_id=location_id,
            employee_id=employee_id,
        )
        try:
            with session.begin_nested():
                session.add(code)
            return code
        except IntegrityError:
            continue  # 1 in 10^12 per code: a token clash; draw another
    raise Conflict("Could not draw a unique code token.")
