"""The owner's email settings: the organisation's own SMTP server and a test email."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from api.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from api.errors import AppError
from api.routes.admin import form_errors, read_form, render
from api.services.accounts import SignedIn
from api.services.mail import instance_server
from api.services.mail_settings import (
    MailServerIn,
    own_mail_server,
    remove_mail_server,
    save_mail_server,
    send_test_email,
)

router = APIRouter(prefix="/admin/mail", include_in_schema=False, dependencies=[OWNER_ONLY])


def mail_page(
    request: Request,
    manager: SignedIn,
    session: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    own = own_mail_server(session=session, tenant=manager.tenant)
    stored = own.model_dump(exclude={"password_encrypted"}) if own else {}
    return render(
        request,
        "mail.html",
        manager,
        status_code=status_code,
        own=own,
        password_set=bool(own and own.password_encrypted),
        installation=instance_server(request.app.state.settings),
        values=values if values is not None else stored or {"security": "starttls", "port": 587},
        errors=errors or {},
        **context,
    )


@router.get("")
def mail_settings(request: Request, manager: CurrentManager, session: SessionDep) -> Response:
    """The organisation's mail server settings (the password is never shown)."""
    return mail_page(request, manager, session)


@router.post("")
async def save(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """Save the organisation's mail server; a blank password keeps the stored one."""
    values = await read_form(request)
    try:
        data = MailServerIn.model_validate(values)
        save_mail_server(session=session, tenant=manager.tenant, data=data, settings=settings)
    except ValidationError as error:
        values.pop("password", None)
        errors = form_errors(error)
        return mail_page(request, manager, session, values=values, errors=errors, status_code=422)
    return RedirectResponse("/admin/mail?saved=1", status_code=303)


@router.post("/remove")
def remove(manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Forget the organisation's server: mail goes through the installation's again."""
    remove_mail_server(session=session, tenant=manager.tenant)
    return RedirectResponse("/admin/mail", status_code=303)


@router.post("/test")
def send_test(
    request: Request, manager: CsrfCheckedManager, session: SessionDep, settings: SettingsDep
) -> Response:
    """Send a real email to the signed-in owner; show the server's reason if it fails."""
    try:
        host = send_test_email(
            session=session, tenant=manager.tenant, to=manager.user.email, settings=settings
        )
    except AppError as error:
        if error.status_code == 403:
            raise
        return mail_page(
            request, manager, session, test_error=error.message, status_code=error.status_code
        )
    return mail_page(request, manager, session, test_sent_to=manager.user.email, test_host=host)
