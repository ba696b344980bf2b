"""Archiving a place or an employee: off every picker and their codes revoked, cards kept.

An archived employee is an inactive one (`Employee.active`); a place has `archived_at`. Restoring
brings neither's revoked codes back: printed codes stay dead, and the owner issues new ones.
"""

from dataclasses import dataclass, replace

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from api.customer.codes import CodeCache
from api.models import Code, Employee, Location, utcnow
from api.setup.employees import set_employee_active
from api.setup.locations import require_owner
from api.tenancy import Tenant, get_scoped, scoped


@dataclass(frozen=True)
class Outcome:
    """What a step would do: the working codes it revokes, and the places it leaves with none."""

    codes: list[Code]
    places_without_code: list[Location]
    # A place's code revoked alone: the place's code its customers are sent on to, if any.
    forward_token: str | None = None


def _working_codes(session: Session, tenant: Tenant, *where: ColumnElement[bool]) -> list[Code]:
    statement = scoped(tenant, Code).where(col(Code.revoked_at).is_(None), *where)
    return list(session.exec(statement.order_by(col(Code.id))).all())


def revoking_outcome(*, session: Session, tenant: Tenant, codes: list[Code]) -> Outcome:
    """Revoking these codes: the places that have a working code now and would have none."""
    leaving = {code.id for code in codes}
    place_ids = sorted({code.location_id for code in codes if code.location_id is not None})
    places = []
    for place_id in place_ids:
        others = _working_codes(session, tenant, col(Code.location_id) == place_id)
        if all(code.id in leaving for code in others):
            places.append(get_scoped(session, tenant, Location, place_id))
    return Outcome(codes=codes, places_without_code=places)


def code_revoke_outcome(*, session: Session, tenant: Tenant, code_id: int) -> tuple[Code, Outcome]:
    """A code and what revoking it would do; a place's code may send its customers on to another
    of the place's codes (api.customer.codes), which `forward_token` names."""
    require_owner(tenant)
    code = get_scoped(session, tenant, Code, code_id)
    outcome = revoking_outcome(session=session, tenant=tenant, codes=[code])
    if code.location_id is not None and code.employee_id is None:
        others = _working_codes(
            session,
            tenant,
            col(Code.location_id) == code.location_id,
            col(Code.employee_id).is_(None),
            col(Code.id) != code.id,
        )
        if others:
            return code, replace(outcome, forward_token=others[0].token)
    return code, outcome


def location_archive_outcome(
    *, session: Session, tenant: Tenant, location_id: int
) -> tuple[Location, Outcome]:
    """A place and what archiving it would do (its codes, badges there included, revoked)."""
    require_owner(tenant)
    location = get_scoped(session, tenant, Location, location_id)
    codes = _working_codes(session, tenant, col(Code.location_id) == location.id)
    return location, revoking_outcome(session=session, tenant=tenant, codes=codes)


def employee_archive_outcome(
    *, session: Session, tenant: Tenant, employee_id: int
) -> tuple[Employee, Outcome]:
    """An employee and what archiving them would do (every code naming them revoked)."""
    require_owner(tenant)
    employee = get_scoped(session, tenant, Employee, employee_id)
    codes = _working_codes(session, tenant, col(Code.employee_id) == employee.id)
    return employee, revoking_outcome(session=session, tenant=tenant, codes=codes)


def archive_location(
    *, session: Session, tenant: Tenant, location_id: int, code_cache: CodeCache
) -> Location:
    """Archive a place: its codes stop working at once; its cards stay, under its name."""
    require_owner(tenant)
    location = get_scoped(session, tenant, Location, location_id)
    if location.archived_at is None:
        now = utcnow()
        location.archived_at = now
        for code in _working_codes(session, tenant, col(Code.location_id) == location.id):
            code.revoked_at = now
            session.add(code)
        session.add(location)
        session.commit()
        code_cache.invalidate_organisation(tenant.organisation_id)
    return location


def restore_location(
    *, session: Session, tenant: Tenant, location_id: int, code_cache: CodeCache
) -> Location:
    """Bring an archived place back to the pickers; its revoked codes stay revoked."""
    require_owner(tenant)
    location = get_scoped(session, tenant, Location, location_id)
    if location.archived_at is not None:
        location.archived_at = None
        session.add(location)
        session.commit()
        code_cache.invalidate_organisation(tenant.organisation_id)
    return location


def archive_employee(
    *, session: Session, tenant: Tenant, employee_id: int, code_cache: CodeCache
) -> Employee:
    """Archive an employee: their codes stop working and they leave the card's staff list."""
    return set_employee_active(
        session=session,
        tenant=tenant,
        employee_id=employee_id,
        active=False,
        code_cache=code_cache,
    )


def restore_employee(
    *, session: Session, tenant: Tenant, employee_id: int, code_cache: CodeCache
) -> Employee:
    """Bring an archived employee back (their revoked codes stay revoked)."""
    return set_employee_active(
        session=session,
        tenant=tenant,
        employee_id=employee_id,
        active=True,
        code_cache=code_cache,
    )
