"""The JSON API for an organisation's set-up: locations, employees, codes."""

from fastapi import APIRouter

from api.errors import error_responses
from api.models import Code, Employee, Location
from api.runtime import Runtime
from api.setup.archive import (
    archive_employee,
    archive_location,
    restore_employee,
    restore_location,
)
from api.setup.codes import create_code, list_codes, move_code, replace_code, revoke_code
from api.setup.employees import employee_locations, list_employees, save_employee
from api.setup.locations import list_locations, save_location
from api.setup.schemas import CodeIn, CodeOut, EmployeeIn, EmployeeOut, LocationIn, LocationOut
from api.web.deps import ApiTenant, CodeCacheDep, PathId, RuntimeDep, SessionDep, WriteSessionDep
from qr.codes import card_url

router = APIRouter(
    prefix="/api/v1", tags=["set-up"], responses=error_responses(400, 401, 403, 404, 409, 422, 503)
)


def location_out(location: Location) -> LocationOut:
    return LocationOut.model_validate(location, from_attributes=True)


def employee_out(employee: Employee, places: dict[int, list[int]]) -> EmployeeOut:
    assert employee.id is not None
    return EmployeeOut(
        **employee.model_dump(
            include={"id", "display_name", "role_title", "email", "language", "active"}
        ),
        location_ids=sorted(places.get(employee.id, [])),
    )


def code_out(code: Code, runtime: Runtime, refused: dict[str, int] | None = None) -> CodeOut:
    """A code as the API shows it; `refused` holds the codes' refused counts when read at once."""
    if refused is None:
        refused = runtime.card_limiter.refused_today([code.token])
    return CodeOut(
        **code.model_dump(
            include={"id", "token", "label", "location_id", "employee_id", "revoked_at"}
        ),
        url=card_url(runtime.settings.base_url, code.token),
        refused_today=refused.get(code.token, 0),
    )


@router.get("/locations")
def read_locations(tenant: ApiTenant, session: SessionDep) -> list[LocationOut]:
    """The organisation's locations, archived ones too (with their `archived_at`)."""
    places = list_locations(session=session, tenant=tenant, include_archived=True)
    return [location_out(item) for item in places]


@router.post("/locations", status_code=201)
def create_location(
    data: LocationIn, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> LocationOut:
    """Add a location."""
    return location_out(
        save_location(session=session, tenant=tenant, data=data, code_cache=code_cache)
    )


@router.put("/locations/{location_id:id}")
def update_location(
    location_id: PathId,
    data: LocationIn,
    tenant: ApiTenant,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
) -> LocationOut:
    """Rename a location or change its kind."""
    location = save_location(
        session=session,
        tenant=tenant,
        data=data,
        code_cache=code_cache,
        location_id=location_id,
    )
    return location_out(location)


@router.post("/locations/{location_id:id}/archive")
def archive_location_route(
    location_id: PathId, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> LocationOut:
    """Archive a location: its codes are revoked at once; its cards stay."""
    location = archive_location(
        session=session, tenant=tenant, location_id=location_id, code_cache=code_cache
    )
    return location_out(location)


@router.post("/locations/{location_id:id}/restore")
def restore_location_route(
    location_id: PathId, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> LocationOut:
    """Restore an archived location (its revoked codes stay revoked: issue new ones)."""
    location = restore_location(
        session=session, tenant=tenant, location_id=location_id, code_cache=code_cache
    )
    return location_out(location)


@router.get("/employees")
def read_employees(tenant: ApiTenant, session: SessionDep) -> list[EmployeeOut]:
    """The organisation's employees and where they work."""
    places = employee_locations(session=session, tenant=tenant)
    return [employee_out(item, places) for item in list_employees(session=session, tenant=tenant)]


@router.post("/employees", status_code=201)
def create_employee(
    data: EmployeeIn, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> EmployeeOut:
    """Add an employee."""
    employee = save_employee(session=session, tenant=tenant, data=data, code_cache=code_cache)
    return employee_out(employee, employee_locations(session=session, tenant=tenant))


@router.put("/employees/{employee_id:id}")
def update_employee(
    employee_id: PathId,
    data: EmployeeIn,
    tenant: ApiTenant,
    session: WriteSessionDep,
    code_cache: CodeCacheDep,
) -> EmployeeOut:
    """Change an employee's details and where they work."""
    employee = save_employee(
        session=session,
        tenant=tenant,
        data=data,
        code_cache=code_cache,
        employee_id=employee_id,
    )
    return employee_out(employee, employee_locations(session=session, tenant=tenant))


@router.post("/employees/{employee_id:id}/archive")
@router.post("/employees/{employee_id:id}/deactivate")
def archive_employee_route(
    employee_id: PathId, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> EmployeeOut:
    """Archive an employee (`active` false) and revoke their codes; `deactivate` is its older
    name."""
    employee = archive_employee(
        session=session, tenant=tenant, employee_id=employee_id, code_cache=code_cache
    )
    return employee_out(employee, employee_locations(session=session, tenant=tenant))


@router.post("/employees/{employee_id:id}/restore")
def restore_employee_route(
    employee_id: PathId, tenant: ApiTenant, session: WriteSessionDep, code_cache: CodeCacheDep
) -> EmployeeOut:
    """Restore an archived employee (their revoked codes stay revoked: issue new ones)."""
    employee = restore_employee(
        session=session, tenant=tenant, employee_id=employee_id, code_cache=code_cache
    )
    return employee_out(employee, employee_locations(session=session, tenant=tenant))


@router.get("/codes")
def read_codes(
    tenant: ApiTenant, session: SessionDep, runtime: RuntimeDep, include_revoked: bool = False
) -> list[CodeOut]:
    """The organisation's codes (active ones unless `include_revoked`), each with the cards
    refused today by the burst limit."""
    codes = list_codes(session=session, tenant=tenant, include_revoked=include_revoked)
    refused = runtime.card_limiter.refused_today([code.token for code in codes])
    return [code_out(code, runtime, refused) for code in codes]


@router.post("/codes", status_code=201)
def create_code_route(
    data: CodeIn, tenant: ApiTenant, session: WriteSessionDep, runtime: RuntimeDep
) -> CodeOut:
    """Issue a code for a location, an employee, or both."""
    code = create_code(session=session, tenant=tenant, data=data, code_cache=runtime.code_cache)
    return code_out(code, runtime)


@router.put("/codes/{code_id:id}", responses=error_responses(405))
def move_code_route(
    code_id: PathId, data: CodeIn, tenant: ApiTenant, session: WriteSessionDep, runtime: RuntimeDep
) -> CodeOut:
    """Point a code at another location or employee."""
    code = move_code(
        session=session,
        tenant=tenant,
        code_id=code_id,
        data=data,
        code_cache=runtime.code_cache,
    )
    return code_out(code, runtime)


@router.post("/codes/{code_id:id}/revoke")
def revoke_code_route(
    code_id: PathId, tenant: ApiTenant, session: WriteSessionDep, runtime: RuntimeDep
) -> CodeOut:
    """Revoke a code."""
    code = revoke_code(
        session=session, tenant=tenant, code_id=code_id, code_cache=runtime.code_cache
    )
    return code_out(code, runtime)


@router.post("/codes/{code_id:id}/replace", status_code=201)
def replace_code_route(
    code_id: PathId, tenant: ApiTenant, session: WriteSessionDep, runtime: RuntimeDep
) -> CodeOut:
    """Replace a lost badge: revoke this code and return the new one."""
    _, new = replace_code(
        session=session, tenant=tenant, code_id=code_id, code_cache=runtime.code_cache
    )
    return code_out(new, runtime)
