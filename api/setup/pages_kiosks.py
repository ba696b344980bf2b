"""The owner's kiosks page: turn a tablet into a kiosk (its link shown once, as a QR and as
text), see when each tablet was last there, revoke one."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from markupsafe import Markup
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.setup.codes import list_codes
from api.setup.kiosks import kiosk_url, list_kiosks, open_kiosk, revoke_kiosk
from api.text import ManagerText
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, submit_form
from api.web.ids import RowId
from qr.codes import render_svg

router = APIRouter(prefix="/admin/kiosks", include_in_schema=False, dependencies=[OWNER_ONLY])


def kiosks_context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
    tenant = manager.tenant
    return {
        "kiosks": list_kiosks(session=session, tenant=tenant),
        "codes": list_codes(session=session, tenant=tenant),
    }


KIOSKS = FormPage("setup/kiosks.html", kiosks_context)


@router.get("")
def kiosks(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's kiosks, with the form to open one."""
    return KIOSKS.render(request, manager, session)


@router.post("")
def add_kiosk(
    request: Request,
    manager: CsrfCheckedManager,
    session: WriteSessionDep,
    settings: SettingsDep,
    code_id: Annotated[RowId, Form()],
    name: Annotated[ManagerText, Form(max_length=200)] = "",
) -> Response:
    """Open a kiosk and show its link this once, to scan with the tablet."""

    def make() -> Response:
        secret, kiosk = open_kiosk(
            session=session, tenant=manager.tenant, code_id=code_id, name=name
        )
        url = kiosk_url(settings.base_url, secret)
        return KIOSKS.render(
            request,
            manager,
            session,
            new_kiosk=kiosk,
            new_url=url,
            new_qr=Markup(render_svg(url).decode()),
        )

    values = {"name": name, "code_id": str(code_id)}
    return submit_form(KIOSKS, request, manager, session, make, values=values, error_field="name")


@router.post("/{kiosk_id:id}/revoke")
def revoke(kiosk_id: int, manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Revoke a kiosk: its tablet asks for a manager from its next page on."""
    revoke_kiosk(session=session, tenant=manager.tenant, kiosk_id=kiosk_id)
    return RedirectResponse("/admin/kiosks", status_code=303)
