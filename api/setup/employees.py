"""The people customers can thank: employees and the locations where they work."""

from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.accounts.service import end_sessions
from api.customer.codes import CodeCache
from api.errors import Unprocessable
from api.i18n import N_
from api.models import Code, Employee, EmployeeLocation, Location, Membership, Role, utcnow
from api.setup.locations import require_owner
from api.setup.schemas import EmployeeIn
from api.tenancy import Tenant, get_scoped, scoped


def list_employees(*, session: Session, tenant: Tenant) -> list[Employee]:
    statement = scoped(tenant, Employee).order_by(col(Employee.display_name))
    return list(session.exec(statement).all())


def employee_locations(*, session: Session, tenant: Tenant) -> dict[int, list[int]]:
    """For each of the organisation's employees, the ids of the locations where they work."""
    rows = session.exec(
        select(EmployeeLocation.employee_id, EmployeeLocation.location_id)
        .join(Employee, col(Employee.id) == EmployeeLocation.employee_id)
        .where(Employee.organisation_id == tenant.organisation_id)
    ).all()
    places: dict[int, list[int]] = {}
    for employee_id, location_id in rows:
        places.setdefault(employee_id, []).append(location_id)
    return places


def save_employee(
    *,
    session: Session,
    tenant: Tenant,
    data: EmployeeIn,
    code_cache: CodeCache,
    employee_id: int | None = None,
) -> Employee:
    """Add or update an employee and where they work (only this organisation's locations in
    use; links to archived ones are kept as they are); the cards show the new name and staff
    lists at once."""
    require_owner(tenant)
    if employee_id is None:
        employee = Employee(organisation_id=tenant.organisation_id, display_name=data.display_name)
    else:
        employee = get_scoped(session, tenant, Employee, employee_id)
    places = {location.id: location for location in session.exec(scoped(tenant, Location))}
    archived = {id_ for id_, location in places.items() if location.archived_at is not None}
    linked = set(
        session.exec(
            select(EmployeeLocation.location_id).where(EmployeeLocation.employee_id == employee.id)
        ).all()
    )
    wanted = set(data.location_ids)
    if wanted - set(places) or (wanted & archived) - linked:
        raise Unprocessable(N_("Pick locations from the list."))
    wanted -= archived
    employee.display_name = data.display_name
    employee.role_title = data.role_title
    employee.email = data.email or None
    employee.language = data.language
    session.add(employee)
    session.flush()
    session.execute(
        delete(EmployeeLocation).where(
            col(EmployeeLocation.employee_id) == employee.id,
            col(EmployeeLocation.location_id).not_in(archived),
        )
    )
    for location_id in sorted(wanted):
        session.add(EmployeeLocation(employee_id=employee.id, location_id=location_id))  # type: ignore[arg-type]
    session.commit()
    code_cache.invalidate_organisation(tenant.organisation_id)
    return employee


def set_employee_active(
    *, session: Session, tenant: Tenant, employee_id: int, active: bool, code_cache: CodeCache
) -> Employee:
    """Deactivate (revoking their badge codes in the same step) or reactivate an employee; their
    badges stop working, and the staff lists change, at once. A deactivated employee's staff
    account is signed out of this organisation, and cannot sign in to it until they are active
    again (api.accounts.staff_links)."""
    require_owner(tenant)
    employee = get_scoped(session, tenant, Employee, employee_id)
    employee.active = active
    if not active:
        codes = session.exec(
            scoped(tenant, Code).where(
                Code.employee_id == employee.id, col(Code.revoked_at).is_(None)
            )
        ).all()
        for code in codes:
            code.revoked_at = utcnow()
            session.add(code)
        staff = session.exec(
            scoped(tenant, Membership).where(
                Membership.employee_id == employee.id, Membership.role == Role.staff
            )
        ).all()
        for membership in staff:
            end_sessions(
                session=session,
                user_id=membership.user_id,
                organisation_id=tenant.organisation_id,
            )
    session.add(employee)
    session.commit()
    code_cache.invalidate_organisation(tenant.organisation_id)
    return employee
