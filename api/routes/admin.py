"""The owner's set-up pages: locations and employees."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from api.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
    positive_id,
)
from api.errors import AppError
from api.schemas_setup import LOCATION_KINDS, EmployeeIn, LocationIn
from api.services.accounts import SignedIn
from api.services.employees import (
    employee_locations,
    list_employees,
    save_employee,
    set_employee_active,
)
from api.services.locations import list_locations, require_owner, save_location
from api.templating import templates

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[OWNER_ONLY])


def form_errors(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as one sentence per field, for the form to show beside each input."""
    messages: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        text = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "string_too_short":
            text = "Please fill this in."
        messages.setdefault(field, text)
    return messages


async def read_form(request: Request) -> dict[str, Any]:
    """The posted fields (lists for `*_ids`), kept to show the form again if something is wrong."""
    form = await request.form()
    return {
        key: form.getlist(key) if key.endswith("_ids") else form.get(key)
        for key in form
        if key != "csrf_token"
    }


def render(
    request: Request, name: str, manager: SignedIn, status_code: int = 200, **context: Any
) -> Response:
    return templates.TemplateResponse(
        request, f"admin/{name}", {"manager": manager, **context}, status_code=status_code
    )


def save_or_show(
    page: Callable[..., Response],
    request: Request,
    manager: SignedIn,
    session: Any,
    values: dict[str, Any],
    save: Callable[[], str],
    *,
    error_field: str = "form",
) -> Response:
    """Run `save`, which returns where to go next; on a mistake show the form again, as typed."""
    try:
        target = save()
    except ValidationError as error:
        errors, status_code = form_errors(error), 422
    except AppError as error:
        errors, status_code = {error_field: error.message}, error.status_code
    else:
        return RedirectResponse(target, status_code=303)
    return page(request, manager, session, values=values, errors=errors, status_code=status_code)


@router.get("")
def admin_home(manager: CurrentManager) -> Response:
    require_owner(manager.tenant)
    return RedirectResponse("/admin/codes", status_code=303)


def locations_page(
    request: Request,
    manager: SignedIn,
    session: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "locations.html",
        manager,
        status_code=status_code,
        locations=list_locations(session=session, tenant=manager.tenant),
        kinds=LOCATION_KINDS,
        values=values or {"kind": "counter"},
        errors=errors or {},
    )


@router.get("/locations")
def locations(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's locations, with a form to add one."""
    require_owner(manager.tenant)
    return locations_page(request, manager, session)


@router.post("/locations")
async def add_location(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Add a location."""
    require_owner(manager.tenant)
    values = await read_form(request)

    def save() -> str:
        save_location(session=session, tenant=manager.tenant, data=LocationIn(**values))
        return "/admin/locations"

    return save_or_show(locations_page, request, manager, session, values, save, error_field="name")


@router.post("/locations/{location_id}")
async def edit_location(
    request: Request, location_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Rename a location or change its kind."""
    require_owner(manager.tenant)
    values = await read_form(request)
    try:
        data = LocationIn.model_validate(values)
    except ValidationError as error:
        return locations_page(request, manager, session, errors=form_errors(error), status_code=422)
    save_location(
        session=session, tenant=manager.tenant, data=data, location_id=positive_id(location_id)
    )
    return RedirectResponse("/admin/locations", status_code=303)


def employees_page(
    request: Request,
    manager: SignedIn,
    session: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "employees.html",
        manager,
        status_code=status_code,
        employees=list_employees(session=session, tenant=manager.tenant),
        places=employee_locations(session=session, tenant=manager.tenant),
        locations=list_locations(session=session, tenant=manager.tenant),
        values=values or {},
        errors=errors or {},
    )


@router.get("/employees")
def employees(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's employees and where they work."""
    require_owner(manager.tenant)
    return employees_page(request, manager, session)


@router.post("/employees")
async def add_employee(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Add an employee."""
    require_owner(manager.tenant)
    values = await read_form(request)
    values.setdefault("location_ids", [])

    def save() -> str:
        save_employee(session=session, tenant=manager.tenant, data=EmployeeIn(**values))
        return "/admin/employees"

    return save_or_show(employees_page, request, manager, session, values, save)


@router.post("/employees/{employee_id}")
async def edit_employee(
    request: Request, employee_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Change an employee's name, title, email or locations."""
    require_owner(manager.tenant)
    values = await read_form(request)
    values.setdefault("location_ids", [])
    try:
        data = EmployeeIn.model_validate(values)
    except ValidationError as error:
        return employees_page(request, manager, session, errors=form_errors(error), status_code=422)
    save_employee(
        session=session, tenant=manager.tenant, data=data, employee_id=positive_id(employee_id)
    )
    return RedirectResponse("/admin/employees", status_code=303)


@router.post("/employees/{employee_id}/deactivate")
def deactivate_employee(
    request: Request, employee_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Deactivate an employee: their badge codes are revoked at once."""
    _, revoked = set_employee_active(
        session=session, tenant=manager.tenant, employee_id=positive_id(employee_id), active=False
    )
    for token in revoked:
        request.app.state.code_cache.invalidate(token)
    return RedirectResponse("/admin/employees", status_code=303)


@router.post("/employees/{employee_id}/activate")
def activate_employee(
    employee_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Reactivate an employee (their old codes stay revoked: issue new ones)."""
    set_employee_active(
        session=session, tenant=manager.tenant, employee_id=positive_id(employee_id), active=True
    )
    return RedirectResponse("/admin/employees", status_code=303)
