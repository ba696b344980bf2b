"""A printed code's life: issue, revoke, replace a lost badge, move to another target.

Each change drops this process's cached card contexts of the organisation (a revoked code of a
location offers another code of that location), so the card pages show it at once.
"""

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.customer.codes import CodeCache
from api.errors import Conflict, Unprocessable
from api.i18n import N_
from api.models import Code, Employee, Location, utcnow
from api.setup.locations import location_in_use, require_owner
from api.setup.schemas import CodeIn
from api.tenancy import Tenant, get_scoped, scoped
from qr.tokens import new_token


def list_codes(*, session: Session, tenant: Tenant, include_revoked: bool = False) -> list[Code]:
    statement = scoped(tenant, Code)
    if not include_revoked:
        statement = statement.where(col(Code.revoked_at).is_(None))
    return list(session.exec(statement.order_by(col(Code.id))).all())


def _target(
    session: Session, tenant: Tenant, data: CodeIn
) -> tuple[Location | None, Employee | None]:
    """The code's location and employee, both checked to belong to this organisation."""
    if data.location_id is None and data.employee_id is None:
        raise Unprocessable(N_("Choose a location, an employee, or both."))
    employee = get_scoped(session, tenant, Employee, data.employee_id) if data.employee_id else None
    if employee is not None and not employee.active:
        raise Unprocessable(N_("This employee is archived: restore them first."))
    location = location_in_use(session, tenant, data.location_id) if data.location_id else None
    return location, employee


def _new_code(
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
    raise Conflict(N_("Could not draw a unique code token."))


def create_code(*, session: Session, tenant: Tenant, data: CodeIn, code_cache: CodeCache) -> Code:
    """Issue a new code with a fresh random token."""
    require_owner(tenant)
    location, employee = _target(session, tenant, data)
    code = _new_code(
        session=session,
        organisation_id=tenant.organisation_id,
        label=data.label,
        location_id=location.id if location else None,
        employee_id=employee.id if employee else None,
    )
    session.commit()
    code_cache.invalidate(code.token)
    code_cache.invalidate_organisation(tenant.organisation_id)
    return code


def revoke_code(*, session: Session, tenant: Tenant, code_id: int, code_cache: CodeCache) -> Code:
    """Stop a code working; its cards stay."""
    require_owner(tenant)
    code = get_scoped(session, tenant, Code, code_id)
    if code.revoked_at is None:
        code.revoked_at = utcnow()
        session.add(code)
        session.commit()
        code_cache.invalidate_organisation(tenant.organisation_id)
    return code


def replace_code(
    *, session: Session, tenant: Tenant, code_id: int, code_cache: CodeCache
) -> tuple[Code, Code]:
    """A lost badge: revoke the old code and issue a new one for the same target, in one step."""
    require_owner(tenant)
    old = get_scoped(session, tenant, Code, code_id)
    if old.revoked_at is not None:
        raise Unprocessable(N_("This code is already revoked."))
    old.revoked_at = utcnow()
    session.add(old)
    new = _new_code(
        session=session,
        organisation_id=tenant.organisation_id,
        label=old.label,
        location_id=old.location_id,
        employee_id=old.employee_id,
    )
    session.commit()
    code_cache.invalidate(new.token)
    code_cache.invalidate_organisation(tenant.organisation_id)
    return old, new


def move_code(
    *, session: Session, tenant: Tenant, code_id: int, data: CodeIn, code_cache: CodeCache
) -> Code:
    """Point a printed code at another location or employee; the printed QR stays valid."""
    require_owner(tenant)
    code = get_scoped(session, tenant, Code, code_id)
    if code.revoked_at is not None:
        raise Unprocessable(N_("A revoked code cannot be moved."))
    location, employee = _target(session, tenant, data)
    code.location_id = location.id if location else None
    code.employee_id = employee.id if employee else None
    code.label = data.label or code.label
    session.add(code)
    session.commit()
    code_cache.invalidate_organisation(tenant.organisation_id)
    return code


def development_address(base_url: str) -> bool:
    """True for an address no customer's phone can reach: localhost, a private or local IP."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host in ("localhost", "") or host.endswith((".local", ".localhost", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host
    return address.is_private or address.is_loopback or address.is_link_local
