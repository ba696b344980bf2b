"""The owner's code pages: every printed code, its QR, and its life cycle."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

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
from api.errors import Unprocessable
from api.models import Code
from api.routes.admin import read_form, render, save_or_show
from api.schemas_setup import CodeIn
from api.services.accounts import SignedIn
from api.services.code_admin import create_code, list_codes, move_code, replace_code, revoke_code
from api.services.employees import list_employees
from api.services.locations import list_locations, require_owner
from api.services.tenancy import get_scoped
from qr.codes import card_url

router = APIRouter(prefix="/admin/codes", include_in_schema=False, dependencies=[OWNER_ONLY])


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


def codes_page(
    request: Request,
    manager: SignedIn,
    session: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    base_url = request.app.state.settings.base_url
    tenant = manager.tenant
    return render(
        request,
        "codes.html",
        manager,
        status_code=status_code,
        codes=list_codes(session=session, tenant=tenant, include_revoked=True),
        locations={loc.id: loc for loc in list_locations(session=session, tenant=tenant)},
        employees={emp.id: emp for emp in list_employees(session=session, tenant=tenant)},
        base_url=base_url,
        development_address=development_address(base_url),
        values=values or {},
        errors=errors or {},
    )


@router.get("")
def codes(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Every code, active and revoked, with a form to issue one."""
    require_owner(manager.tenant)
    return codes_page(request, manager, session)


@router.post("")
async def add_code(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Issue a code for a location, an employee, or both."""
    require_owner(manager.tenant)
    values = await read_form(request)
    fields = {key: values.get(key) or None for key in ("location_id", "employee_id")}

    def save() -> str:
        data = CodeIn(**fields, label=values.get("label") or "")
        return f"/admin/codes/{create_code(session=session, tenant=manager.tenant, data=data).id}"

    return save_or_show(codes_page, request, manager, session, values, save)


@router.get("/{code_id}")
def code_detail(
    request: Request, code_id: str, manager: CurrentManager, session: SessionDep
) -> Response:
    """One code: its QR to download, its short URL, and what can be done with it."""
    require_owner(manager.tenant)
    code = get_scoped(session, manager.tenant, Code, positive_id(code_id))
    tenant = manager.tenant
    return render(
        request,
        "code.html",
        manager,
        code=code,
        url=card_url(request.app.state.settings.base_url, code.token),
        locations=list_locations(session=session, tenant=tenant),
        employees=list_employees(session=session, tenant=tenant),
    )


@router.post("/{code_id}/revoke")
def revoke(
    request: Request, code_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Revoke a code: its page tells customers it is no longer in use."""
    code = revoke_code(session=session, tenant=manager.tenant, code_id=positive_id(code_id))
    request.app.state.code_cache.invalidate(code.token)
    return RedirectResponse(f"/admin/codes/{code.id}", status_code=303)


@router.post("/{code_id}/replace")
def replace(
    request: Request, code_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Replace a lost badge: the old code is revoked and a new one issued in one step."""
    old, new = replace_code(session=session, tenant=manager.tenant, code_id=positive_id(code_id))
    request.app.state.code_cache.invalidate(old.token)
    return RedirectResponse(f"/admin/codes/{new.id}", status_code=303)


@router.post("/{code_id}/move")
async def move(
    request: Request, code_id: str, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Point the code at another location or employee."""
    values = await read_form(request)
    fields = {key: values.get(key) or None for key in ("location_id", "employee_id")}
    try:
        data = CodeIn.model_validate({**fields, "label": values.get("label") or ""})
    except ValidationError:
        raise Unprocessable("Choose a location or an employee from the lists.") from None
    code = move_code(
        session=session, tenant=manager.tenant, code_id=positive_id(code_id), data=data
    )
    request.app.state.code_cache.invalidate(code.token)
    return RedirectResponse(f"/admin/codes/{code.id}", status_code=303)
