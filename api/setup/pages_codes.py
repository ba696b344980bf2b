"""The owner's code pages: every printed code, its QR, and its life cycle."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.models import Code
from api.setup.codes import create_code, list_codes, move_code, replace_code, revoke_code
from api.setup.employees import list_employees
from api.setup.locations import list_locations
from api.setup.schemas import CodeIn
from api.tenancy import get_scoped
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form
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


def codes_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    base_url = request.app.state.settings.base_url
    tenant = manager.tenant
    return {
        "codes": list_codes(session=session, tenant=tenant, include_revoked=True),
        "locations": {loc.id: loc for loc in list_locations(session=session, tenant=tenant)},
        "employees": {emp.id: emp for emp in list_employees(session=session, tenant=tenant)},
        "base_url": base_url,
        "development_address": development_address(base_url),
    }


CODES = FormPage("setup/codes.html", codes_context)


def code_page(code_id: int) -> FormPage:
    """One code's page, with the form to move it."""

    def context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
        code = get_scoped(session, manager.tenant, Code, code_id)
        return {
            "code": code,
            "url": card_url(request.app.state.settings.base_url, code.token),
            "locations": list_locations(session=session, tenant=manager.tenant),
            "employees": list_employees(session=session, tenant=manager.tenant),
        }

    return FormPage("setup/code.html", context)


def code_fields(values: dict[str, Any]) -> CodeIn:
    """The code form's choices ("" for none) as a CodeIn."""
    targets = {key: values.get(key) or None for key in ("location_id", "employee_id")}
    return CodeIn.model_validate({**targets, "label": values.get("label") or ""})


@router.get("")
def codes(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """Every code, active and revoked, with a form to issue one."""
    return CODES.render(request, manager, session)


@router.post("")
async def add_code(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Issue a code for a location, an employee, or both."""
    values = await read_form(request)

    def save() -> str:
        data = code_fields(values)
        return f"/admin/codes/{create_code(session=session, tenant=manager.tenant, data=data).id}"

    return submit_form(CODES, request, manager, session, save, values=values)


@router.get("/{code_id:id}")
def code_detail(
    request: Request, code_id: int, manager: CurrentManager, session: SessionDep
) -> Response:
    """One code: its QR to download, its short URL, and what can be done with it."""
    return code_page(code_id).render(request, manager, session)


@router.post("/{code_id:id}/revoke")
def revoke(
    request: Request, code_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Revoke a code: its page tells customers it is no longer in use."""
    code = revoke_code(session=session, tenant=manager.tenant, code_id=code_id)
    request.app.state.code_cache.invalidate(code.token)
    return RedirectResponse(f"/admin/codes/{code.id}", status_code=303)


@router.post("/{code_id:id}/replace")
def replace(
    request: Request, code_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Replace a lost badge: the old code is revoked and a new one issued in one step."""
    old, new = replace_code(session=session, tenant=manager.tenant, code_id=code_id)
    request.app.state.code_cache.invalidate(old.token)
    return RedirectResponse(f"/admin/codes/{new.id}", status_code=303)


@router.post("/{code_id:id}/move")
async def move(
    request: Request, code_id: int, manager: CsrfCheckedManager, session: WriteSessionDep
) -> Response:
    """Point the code at another location or employee."""
    values = await read_form(request)

    def save() -> str:
        code = move_code(
            session=session, tenant=manager.tenant, code_id=code_id, data=code_fields(values)
        )
        request.app.state.code_cache.invalidate(code.token)
        return f"/admin/codes/{code.id}"

    return submit_form(code_page(code_id), request, manager, session, save, values=values)
