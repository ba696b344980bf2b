"""A manager shows a staff member a one-time sign-in QR code on their own screen: for a team
without a mail server, or a phone at hand."""

import base64

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.accounts.staff_links import LINK_LIFETIME, staff_link_url
from api.mail import instance_server
from api.staff.service import show_sign_in_code, staff_accounts
from api.templating import templates
from api.web.deps import (
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from qr.codes import render_png

router = APIRouter(include_in_schema=False)


@router.get("/inbox/staff-sign-in")
def staff_sign_in(
    request: Request, manager: CurrentManager, session: SessionDep, settings: SettingsDep
) -> Response:
    """The employees this manager may show a sign-in QR code to."""
    accounts = staff_accounts(session=session, tenant=manager.tenant)
    context = {
        "manager": manager,
        "accounts": accounts,
        "mail": instance_server(settings) is not None,
        "sign_in_url": f"{settings.base_url}/staff/sign-in",
    }
    return templates.TemplateResponse(request, "staff/show_code.html", context)


@router.post("/inbox/staff-sign-in/{employee_id:id}")
async def show_code(
    request: Request,
    employee_id: int,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """A new one-time sign-in QR code for this employee, shown this once (the page is no-store)."""
    account, token = show_sign_in_code(
        session=session, tenant=manager.tenant, employee_id=employee_id
    )
    image = None
    if token is not None:
        png = await run_in_threadpool(render_png, staff_link_url(settings, token), box_size=8)
        image = "data:image/png;base64," + base64.b64encode(png).decode()
    context = {
        "manager": manager,
        "account": account,
        "image": image,
        "minutes": int(LINK_LIFETIME.total_seconds() // 60),
    }
    return templates.TemplateResponse(request, "staff/show_code.html", context)
