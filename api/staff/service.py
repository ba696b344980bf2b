"""What a staff member sees of their own: the compliments passed on to them, with their managers'
notes, and their badge codes. Every query here is by the session's organisation and employee:
never a card that was not passed on (so never a negative one), never a customer's contact
details, never another employee's cards."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from api.accounts.staff_links import new_staff_link
from api.errors import NotFound
from api.models import (
    Card,
    Code,
    Employee,
    EmployeeLocation,
    Location,
    Membership,
    PassOn,
    Role,
    User,
)
from api.recognition.service import COMPLIMENT_MIN_RATING
from api.templating import zone_of
from api.tenancy import Tenant, scoped

# The staff page shows the newest compliments; the month counts cover them all.
PAGE_SIZE = 100


@dataclass(frozen=True)
class Compliment:
    """A compliment as its employee sees it: no name, email or phone of the customer."""

    rating: int
    comment: str
    place: str | None
    received_at: datetime
    passed_on_at: datetime
    note: str
    passed_on_by: str | None


@dataclass(frozen=True)
class StaffPage:
    employee: Employee
    compliments: list[Compliment]
    # ("2026-11", 3), newest month first.
    months: list[tuple[str, int]]
    total: int
    badges: list[Code]


def own_employee(
    *, session: Session, organisation_id: int, employee_id: int | None
) -> Employee | None:
    """The staff member's employee, if it is this organisation's and still active."""
    if employee_id is None:
        return None
    employee = session.get(Employee, employee_id)
    if employee is None or employee.organisation_id != organisation_id or not employee.active:
        return None
    return employee


def _own(statement: Select, organisation_id: int, employee_id: int) -> Select:  # type: ignore[type-arg]
    """Limit a query on PassOn joined to Card to this employee's compliments."""
    return (
        statement.join(Card, col(Card.id) == PassOn.card_id)
        .where(PassOn.organisation_id == organisation_id, PassOn.employee_id == employee_id)
        # Only a compliment can be passed on; this holds even if a row were ever wrong.
        .where(Card.organisation_id == organisation_id, col(Card.rating) >= COMPLIMENT_MIN_RATING)
    )


def passed_on_compliments(
    *, session: Session, organisation_id: int, employee_id: int, limit: int = PAGE_SIZE
) -> list[Compliment]:
    """The compliments passed on to this employee, newest first."""
    rows = session.exec(
        _own(select(PassOn, Card), organisation_id, employee_id)
        .order_by(col(PassOn.created_at).desc(), col(PassOn.id).desc())
        .limit(limit)
    ).all()
    places = dict(
        session.exec(
            select(Location.id, Location.name).where(
                col(Location.id).in_({card.location_id for _, card in rows})
            )
        ).all()
    )
    users = {
        user.id: user.display_name or user.email
        for user in session.exec(
            select(User).where(col(User.id).in_({p.passed_on_by_id for p, _ in rows}))
        ).all()
    }
    return [
        Compliment(
            rating=card.rating,
            comment=card.comment,
            place=places.get(card.location_id),
            received_at=card.created_at,
            passed_on_at=pass_on.created_at,
            note=pass_on.note,
            passed_on_by=users.get(pass_on.passed_on_by_id),
        )
        for pass_on, card in rows
    ]


def months_of(
    *, session: Session, organisation_id: int, employee_id: int, time_zone: str
) -> list[tuple[str, int]]:
    """How many compliments were passed on to this employee each month (the organisation's
    months), newest first."""
    zone = zone_of(time_zone)
    rows = session.exec(_own(select(PassOn, Card), organisation_id, employee_id)).all()
    counts = Counter(row.created_at.astimezone(zone).strftime("%Y-%m") for row, _ in rows)
    return sorted(counts.items(), reverse=True)


def badge_codes(*, session: Session, organisation_id: int, employee_id: int) -> list[Code]:
    """The employee's active badge codes."""
    return list(
        session.exec(
            select(Code)
            .where(Code.organisation_id == organisation_id, Code.employee_id == employee_id)
            .where(col(Code.revoked_at).is_(None))
            .order_by(col(Code.id))
        ).all()
    )


def staff_page(
    *, session: Session, organisation_id: int, employee: Employee, time_zone: str
) -> StaffPage:
    """Everything the staff page shows of this employee."""
    assert employee.id is not None
    months = months_of(
        session=session,
        organisation_id=organisation_id,
        employee_id=employee.id,
        time_zone=time_zone,
    )
    return StaffPage(
        employee=employee,
        compliments=passed_on_compliments(
            session=session, organisation_id=organisation_id, employee_id=employee.id
        ),
        months=months,
        total=sum(count for _, count in months),
        badges=badge_codes(
            session=session, organisation_id=organisation_id, employee_id=employee.id
        ),
    )


@dataclass(frozen=True)
class StaffAccount:
    """An employee a manager may show a sign-in QR code for, and whether they have an account."""

    employee: Employee
    membership_id: int | None


def staff_accounts(*, session: Session, tenant: Tenant) -> list[StaffAccount]:
    """The organisation's active employees (a manager limited to some locations: those who work
    there), each with their staff membership, if any."""
    statement = (
        scoped(tenant, Employee)
        .where(col(Employee.active))
        .order_by(col(Employee.display_name), col(Employee.id))
    )
    if tenant.location_ids is not None:
        working_there = select(EmployeeLocation.employee_id).where(
            col(EmployeeLocation.location_id).in_(tenant.location_ids)
        )
        statement = statement.where(col(Employee.id).in_(working_there))
    employees = session.exec(statement).all()
    memberships = dict(
        session.exec(
            select(Membership.employee_id, Membership.id).where(
                Membership.organisation_id == tenant.organisation_id,
                Membership.role == Role.staff,
                col(Membership.employee_id).in_([employee.id for employee in employees]),
            )
        ).all()
    )
    return [StaffAccount(employee, memberships.get(employee.id)) for employee in employees]


def staff_account(*, session: Session, tenant: Tenant, employee_id: int) -> StaffAccount:
    """One employee this manager may show a sign-in code for, or NotFound."""
    for account in staff_accounts(session=session, tenant=tenant):
        if account.employee.id == employee_id:
            return account
    raise NotFound()


def show_sign_in_code(
    *, session: Session, tenant: Tenant, employee_id: int
) -> tuple[StaffAccount, str | None]:
    """The employee and a new one-time sign-in link's token for their staff account (None if
    they have none yet). Commits."""
    account = staff_account(session=session, tenant=tenant, employee_id=employee_id)
    if account.membership_id is None:
        return account, None
    membership = session.get_one(Membership, account.membership_id)
    token = new_staff_link(session=session, membership=membership)
    session.commit()
    return account, token
