"""The owner's email settings: the organisation's own SMTP server and a test email."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.accounts.service import SignedIn
from api.config import Settings
from api.mail import instance_server
from api.people.mail_server import (
    own_mail_server,
    remove_mail_server,
    save_mail_server,
    send_test_email,
)
from api.people.schemas import MailServerIn
from api.web.deps import (
    OWNER_ONLY,
    CsrfCheckedManager,
    CurrentManager,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from api.web.forms import FormPage, read_form, submit_form

router = APIRouter(prefix="/admin/mail", include_in_schema=False, dependencies=[OWNER_ONLY])


def mail_page(settings: Settings) -> FormPage:
    """The organisation's own server, beside the installation's (from `settings`)."""

    def context(request: Request, manager: SignedIn, session: Session) -> dict[str, Any]:
        own = own_mail_server(session=session, tenant=manager.tenant)
        stored = own.model_dump(exclude={"password_encrypted"}) if own else {}
        return {
            "own": own,
            "password_set": bool(own and own.password_encrypted),
            "installation": instance_server(settings),
            "values": stored or {"security": "starttls", "port": 587},
        }

    return FormPage("people/mail.html", context)


@router.get("")
def mail_settings(
    request: Request, manager: CurrentManager, session: SessionDep, settings: SettingsDep
) -> Response:
    """The organisation's mail server settings (the password is never shown)."""
    return mail_page(settings).render(request, manager, session)


@router.post("")
async def save(
    request: Request, manager: CsrfCheckedManager, session: WriteSessionDep, settings: SettingsDep
) -> Response:
    """Save the organisation's mail server; a blank password keeps the stored one."""
    values = await read_form(request)

    def store() -> str:
        data = MailServerIn.model_validate(values)
        save_mail_server(session=session, tenant=manager.tenant, data=data, settings=settings)
        return "/admin/mail?saved=1"

    typed = {name: value for name, value in values.items() if name != "password"}
    # In a worker thread: saving looks the server's name up, which may take a moment.
    page = mail_page(settings)
    return await run_in_threadpool(
        submit_form, page, request, manager, session, store, values=typed, error_field="host"
    )


@router.post("/remove")
def remove(manager: CsrfCheckedManager, session: WriteSessionDep) -> Response:
    """Forget the organisation's server: mail goes through the installation's again."""
    remove_mail_server(session=session, tenant=manager.tenant)
    return RedirectResponse("/admin/mail", status_code=303)


@router.post("/test")
def send_test(
    request: Request, manager: CsrfCheckedManager, session: SessionDep, settings: SettingsDep
) -> Response:
    """Send a real email to the signed-in owner; say in general terms what failed, if it did."""

    def send() -> Response:
        host = send_test_email(
            session=session, tenant=manager.tenant, to=manager.user.email, settings=settings
        )
        return page.render(
            request, manager, session, test_sent_to=manager.user.email, test_host=host
        )

    page = mail_page(settings)
    return submit_form(page, request, manager, session, send, form="test", error_field="test")
