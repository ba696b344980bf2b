"""The owner's code pages: every printed code, its QR, and its life cycle."""

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.models import Code, Employee, Location
from api.protection.limiter import CardLimiter
from api.setup.archive import code_revoke_outcome
from api.setup.codes import (
    create_code,
    development_address,
    list_codes,
    move_code,
    replace_code,
    revoke_code,
)
from api.setup.employees import list_employees
from api.setup.locations import list_locations
from api.setup.schemas import CodeIn
from api.templating import templates
from api.tenancy import get_scoped
from api.web.deps import (
    OWNER_ONLY,
    CardLimiterDep,
    CodeCacheDep,
    CsrfCheckedManager,
    CurrentManager,
    RuntimeDep,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form
from qr.codes import card_url, typed_url

router = APIRouter(prefix="/admin/codes", include_in_schema=False, dependencies=[OWNER_ONLY])


def codes_page(base_url: str, limiter: CardLimiter) -> FormPage:
    """Every code, with the form to issue one; card URLs start with `base_url`."""

    def context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
        tenant = manager.tenant
        codes = list_codes(session=session, tenant=tenant, include_revoked=True)
        return {
            "codes": codes,
            "refused": limiter.refused_today([code.token for code in codes]),
            "locations": {
                loc.id: loc
                for loc in list_locations(session=session, tenant=tenant, include_archived=True)
            },
            "employees": {emp.id: emp for emp in list_employees(session=session, tenant=tenant)},
            "base_url": base_url,
            "development_address": development_address(base_url),
        }

    return FormPage("setup/codes.html", context)


def code_page(code_id: int, base_url: str, limiter: CardLimiter) -> FormPage:
    """One code's page, with the form to move it."""

    def context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
        code = get_scoped(session, manager.tenant, Code, code_id)
        return {
            "code": code,
            "refused": limiter.refused_today([code.token]).get(code.token, 0),
            **addresses(base_url, code.token),
            "locations": list_locations(session=session, tenant=manager.tenant),
            "employees": list_employees(session=session, tenant=manager.tenant),
        }

    return FormPage("setup/code.html", context)


def addresses(base_url: str, token: str) -> dict[str, str]:
    """A code's card address as people type it (`typed_url`, also a link: `typed_href`), and
    in full as its QR code holds it, for an NFC tag (`url`)."""
    typed = typed_url(base_url, token)
    href = f"{urlsplit(base_url).scheme.lower()}://{typed}"
    return {"typed_url": typed, "typed_href": href, "url": card_url(base_url, token)}


def code_fields(values: dict[str, Any]) -> CodeIn:
    """The code form's choices ("" for none) as a CodeIn."""
    targets = {key: values.get(key) or None for key in ("location_id", "employee_id")}
    return CodeIn.model_validate({**targets, "label": values.get("label") or ""})


@router.get("")
def codes(
    request: Request,
    manager: CurrentManager,
    session: SessionDep,
    settings: SettingsDep,
    limiter: CardLimiterDep,
) -> Response:
    """Every code, active and revoked, with a form to issue one."""
    return codes_page(settings.base_url, limiter).render(request, manager, session)


@router.post("")
async def add_code(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Issue a code for a location, an employee, or both."""
    values = await read_form(request)

    def save() -> str:
        data = code_fields(values)
        code = create_code(
            session=session, tenant=manager.tenant, data=data, code_cache=runtime.code_cache
        )
        return f"/admin/codes/{code.id}"

    page = codes_page(runtime.settings.base_url, runtime.card_limiter)
    return submit_form(page, request, manager, session, save, values=values)


@router.get("/{code_id:id}")
def code_detail(
    request: Request,
    code_id: int,
    manager: CurrentManager,
    session: SessionDep,
    settings: SettingsDep,
    limiter: CardLimiterDep,
) -> Response:
    """One code: its QR to download, its short URL, and what can be done with it."""
    return code_page(code_id, settings.base_url, limiter).render(request, manager, session)


@router.get("/{code_id:id}/revoke")
def confirm_revoke(
    request: Request,
    code_id: int,
    manager: CurrentManager,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """What revoking a code will do, with Confirm and Cancel."""
    return confirmation(request, manager, session, settings.base_url, code_id, "revoke")


@router.get("/{code_id:id}/replace")
def confirm_replace(
    request: Request,
    code_id: int,
    manager: CurrentManager,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """What replacing a lost badge will do, with Confirm and Cancel."""
    return confirmation(request, manager, session, settings.base_url, code_id, "replace")


def confirmation(
    request: Request,
    manager: SignedIn,
    session: Session,
    base_url: str,
    code_id: int,
    step: str,
) -> Response:
    """The page before a revoke or a replace: what stops working, where it is printed, and what
    customers see next; a revoked code has nothing left to do (its own page)."""
    tenant = manager.tenant
    code, outcome = code_revoke_outcome(session=session, tenant=tenant, code_id=code_id)
    if code.revoked_at is not None:
        return RedirectResponse(f"/admin/codes/{code.id}", status_code=303)
    location = get_scoped(session, tenant, Location, code.location_id) if code.location_id else None
    employee = get_scoped(session, tenant, Employee, code.employee_id) if code.employee_id else None
    context = {
        "manager": manager,
        "code": code,
        "step": step,
        "outcome": outcome,
        "location": location,
        "employee": employee,
        **addresses(base_url, code.token),
    }
    return templates.TemplateResponse(request, "setup/code_confirm.html", context)


@router.post("/{code_id:id}/revoke")
def revoke(
    code_id: int, manager: CsrfCheckedManager, session: WriteSessionDep, code_cache: CodeCacheDep
) -> Response:
    """Revoke a code: its page tells customers it is no longer in use."""
    code = revoke_code(
        session=session,
        tenant=manager.tenant,
        code_id=code_id,
        code_cache=code_cache,
    )
    return RedirectResponse(f"/admin/codes/{code.id}", status_code=303)


@router.post("/{code_id:id}/replace")
def replace(
    code_id: int, manager: CsrfCheckedManager, session: WriteSessionDep, code_cache: CodeCacheDep
) -> Response:
    """Replace a lost badge: the old code is revoked and a new one issued in one step."""
    _, new = replace_code(
        session=session,
        tenant=manager.tenant,
        code_id=code_id,
        code_cache=code_cache,
    )
    return RedirectResponse(f"/admin/codes/{new.id}", status_code=303)


@router.post("/{code_id:id}/move")
async def move(
    request: Request,
    code_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    settings: SettingsDep,
    code_cache: CodeCacheDep,
    limiter: CardLimiterDep,
) -> Response:
    """Point the code at another location or employee."""
    values = await read_form(request)

    def save() -> str:
        code = move_code(
            session=session,
            tenant=manager.tenant,
            code_id=code_id,
            data=code_fields(values),
            code_cache=code_cache,
        )
        return f"/admin/codes/{code.id}"

    page = code_page(code_id, settings.base_url, limiter)
    return submit_form(page, request, manager, session, save, values=values)
