"""Archiving and restoring places and employees: a page says what archiving will do (the codes
it revokes, the places it leaves with no working code) before the owner confirms it."""

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.setup.archive import (
    Outcome,
    archive_employee,
    archive_location,
    employee_archive_outcome,
    location_archive_outcome,
    restore_employee,
    restore_location,
)
from api.setup.employees import list_employees
from api.setup.locations import list_locations
from api.templating import templates
from api.web.deps import (
    OWNER_ONLY,
    CodeCacheDep,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[OWNER_ONLY])


def confirmation(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    subject: str,
    name: str,
    outcome: Outcome,
    action: str,
    back: str,
) -> Response:
    """The page that lists what archiving `name` will do, with Confirm and Cancel."""
    tenant = manager.tenant
    places = list_locations(session=session, tenant=tenant, include_archived=True)
    people = list_employees(session=session, tenant=tenant)
    context = {
        "manager": manager,
        "subject": subject,
        "name": name,
        "outcome": outcome,
        "action": action,
        "back": back,
        "place_names": {place.id: place.name for place in places},
        "employee_names": {person.id: person.display_name for person in people},
    }
    return templates.TemplateResponse(request, "setup/archive.html", context)


@router.get("/locations/{location_id:id}/archive")
def confirm_location_archive(
    request: Request, location_id: int, manager: CurrentManager, session: SessionDep
) -> Response:
    """What archiving a place will do, before it is done."""
    location, outcome = location_archive_outcome(
        session=session, tenant=manager.tenant, location_id=location_id
    )
    if location.archived_at is not None:
        return RedirectResponse("/admin/locations", status_code=303)
    return confirmation(
        request,
        manager,
        session,
        subject="location",
        name=location.name,
        outcome=outcome,
        action=f"/admin/locations/{location_id}/archive",
        back="/admin/locations",
    )


@router.post("/locations/{location_id:id}/archive")
def archive_location_page(
    location_id: int, manager: CsrfCheckedManager, session: WriteSessionDep, cache: CodeCacheDep
) -> Response:
    """Archive a place: its codes are revoked at once; its cards stay."""
    archive_location(
        session=session, tenant=manager.tenant, location_id=location_id, code_cache=cache
    )
    return RedirectResponse("/admin/locations", status_code=303)


@router.post("/locations/{location_id:id}/restore")
def restore_location_page(
    location_id: int, manager: CsrfCheckedManager, session: WriteSessionDep, cache: CodeCacheDep
) -> Response:
    """Restore an archived place (its old codes stay revoked)."""
    restore_location(
        session=session, tenant=manager.tenant, location_id=location_id, code_cache=cache
    )
    return RedirectResponse("/admin/locations", status_code=303)


@router.get("/employees/{employee_id:id}/archive")
def confirm_employee_archive(
    request: Request, employee_id: int, manager: CurrentManager, session: SessionDep
) -> Response:
    """What archiving an employee will do, before it is done."""
    employee, outcome = employee_archive_outcome(
        session=session, tenant=manager.tenant, employee_id=employee_id
    )
    if not employee.active:
        return RedirectResponse("/admin/employees", status_code=303)
    return confirmation(
        request,
        manager,
        session,
        subject="employee",
        name=employee.display_name,
        outcome=outcome,
        action=f"/admin/employees/{employee_id}/archive",
        back="/admin/employees",
    )


@router.post("/employees/{employee_id:id}/archive")
def archive_employee_page(
    employee_id: int, manager: CsrfCheckedManager, session: WriteSessionDep, cache: CodeCacheDep
) -> Response:
    """Archive an employee: their codes are revoked at once; their cards stay."""
    archive_employee(
        session=session, tenant=manager.tenant, employee_id=employee_id, code_cache=cache
    )
    return RedirectResponse("/admin/employees", status_code=303)


@router.post("/employees/{employee_id:id}/restore")
def restore_employee_page(
    employee_id: int, manager: CsrfCheckedManager, session: WriteSessionDep, cache: CodeCacheDep
) -> Response:
    """Restore an archived employee (their old codes stay revoked)."""
    restore_employee(
        session=session, tenant=manager.tenant, employee_id=employee_id, code_cache=cache
    )
    return RedirectResponse("/admin/employees", status_code=303)
