"""The owner's set-up pages: locations and employees."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.customer.codes import CodeCache
from api.setup.employees import employee_locations, list_employees, save_employee
from api.setup.locations import list_locations, save_location
from api.setup.schemas import LOCATION_KINDS, EmployeeIn, LocationIn
from api.web.deps import (
    OWNER_ONLY,
    CodeCacheDep,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[OWNER_ONLY])


@router.get("")
def admin_home(manager: CurrentManager) -> Response:
    return RedirectResponse("/admin/codes", status_code=303)


def locations_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    places = list_locations(session=session, tenant=manager.tenant, include_archived=True)
    return {
        "locations": [place for place in places if place.archived_at is None],
        "archived": [place for place in places if place.archived_at is not None],
        "kinds": LOCATION_KINDS,
    }


LOCATIONS = FormPage("setup/locations.html", locations_context, {"kind": "counter"})


@router.get("/locations")
def locations(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's locations, with a form to add one."""
    return LOCATIONS.render(request, manager, session)


@router.post("/locations")
async def add_location(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, cache: CodeCacheDep
) -> Response:
    """Add a location."""
    return await submit_location(request, manager, session, cache)


@router.post("/locations/{location_id:id}")
async def edit_location(
    request: Request,
    location_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    cache: CodeCacheDep,
) -> Response:
    """Rename a location or change its kind."""
    return await submit_location(request, manager, session, cache, location_id)


async def submit_location(
    request: Request,
    manager: SignedIn,
    session: Session,
    cache: CodeCache,
    location_id: int | None = None,
) -> Response:
    """The add form (no id) or a location's own form; a taken name is shown beside the name."""
    values = await read_form(request)

    def save() -> str:
        data = LocationIn.model_validate(values)
        save_location(
            session=session,
            tenant=manager.tenant,
            data=data,
            code_cache=cache,
            location_id=location_id,
        )
        return "/admin/locations"

    form = f"location-{location_id}" if location_id else ""
    return submit_form(
        LOCATIONS, request, manager, session, save, values=values, form=form, error_field="name"
    )


def employees_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    return {
        "employees": list_employees(session=session, tenant=manager.tenant),
        "places": employee_locations(session=session, tenant=manager.tenant),
        "locations": list_locations(session=session, tenant=manager.tenant),
    }


EMPLOYEES = FormPage("setup/employees.html", employees_context)


@router.get("/employees")
def employees(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's employees and where they work."""
    return EMPLOYEES.render(request, manager, session)


@router.post("/employees")
async def add_employee(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, cache: CodeCacheDep
) -> Response:
    """Add an employee."""
    return await submit_employee(request, manager, session, cache)


@router.post("/employees/{employee_id:id}")
async def edit_employee(
    request: Request,
    employee_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    cache: CodeCacheDep,
) -> Response:
    """Change an employee's name, title, email or locations."""
    return await submit_employee(request, manager, session, cache, employee_id)


async def submit_employee(
    request: Request,
    manager: SignedIn,
    session: Session,
    cache: CodeCache,
    employee_id: int | None = None,
) -> Response:
    """The add form (no id) or an employee's own form; no location ticked is a choice too."""
    values = await read_form(request)
    values.setdefault("location_ids", [])

    def save() -> str:
        data = EmployeeIn.model_validate(values)
        save_employee(
            session=session,
            tenant=manager.tenant,
            data=data,
            code_cache=cache,
            employee_id=employee_id,
        )
        return "/admin/employees"

    form = f"employee-{employee_id}" if employee_id else ""
    return submit_form(
        EMPLOYEES,
        request,
        manager,
        session,
        save,
        values=values,
        form=form,
        error_field="location_ids",
    )
