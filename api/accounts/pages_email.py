"""Under Security: changing one's sign-in email, confirmed by a link sent to the new address."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.email_change import (
    WrongCredentials,
    confirm_email_change,
    open_email_change,
    request_email_change,
    send_change_messages,
    send_changed_notice,
)
from api.accounts.gate import SignInPaused, check_not_paused, sign_in_attempt
from api.accounts.service import SignedIn
from api.accounts.throttle import email_change_keys, record_failure, take_request
from api.accounts.two_factor import is_enabled
from api.errors import AppError, Conflict, Gone, NotFound
from api.i18n import N_, page_language, translate
from api.mail import instance_server
from api.models import utcnow
from api.templating import templates
from api.text import ManagerText
from api.web.deps import (
    CsrfCheckedSettingUpManager,
    SecretKeyDep,
    SessionDep,
    SettingsDep,
    SettingUpManager,
    WriteSessionDep,
)

router = APIRouter(include_in_schema=False)
NO_MAIL_SERVER = N_(
    "Changing your email needs the installation's mail server, and none is set up. Ask whoever "
    "runs Tellus for your organisation."
)
TOO_MANY = N_("Too many email changes. Please wait an hour and try again.")


def email_page(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    new_email: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "manager": manager,
        "new_email": new_email,
        "two_factor_on": is_enabled(session=session, user_id=manager.user.id),  # type: ignore[arg-type]
        "error": translate(request, error) if error else "",
    }
    return templates.TemplateResponse(
        request, "accounts/change_email.html", context, status_code=status_code
    )


def confirm_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    error = context.pop("error", "")
    context["error"] = translate(request, error) if error else ""
    return templates.TemplateResponse(
        request, "accounts/confirm_email.html", context, status_code=status_code
    )


def paused(response: Response, error: SignInPaused) -> Response:
    response.status_code = 429
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@router.get("/account/security/email")
def email_form(request: Request, manager: SettingUpManager, session: SessionDep) -> Response:
    """The form: the new email, the current password, and a code when two-factor is on."""
    return email_page(request, manager, session)


@router.post("/account/security/email")
def ask_for_change(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    settings: SettingsDep,
    secret_key: SecretKeyDep,
    background: BackgroundTasks,
    new_email: Annotated[ManagerText, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Check the password (and code); email the new address a link and tell the old one."""
    if instance_server(settings) is None:
        return email_page(
            request, manager, session, error=NO_MAIL_SERVER, status_code=409, new_email=new_email
        )
    attempt = sign_in_attempt(request, settings, manager.user.email, secret_key=secret_key)
    try:
        check_not_paused(session=session, attempt=attempt)
    except SignInPaused as error:
        return paused(
            email_page(request, manager, session, error=error.message, new_email=new_email), error
        )
    again_at = take_request(session=session, keys=email_change_keys(user_id=manager.user.id))  # type: ignore[arg-type]
    if again_at is not None:
        wait = SignInPaused(int((again_at - utcnow()).total_seconds()) + 1)
        return paused(
            email_page(request, manager, session, error=TOO_MANY, new_email=new_email), wait
        )
    try:
        link = request_email_change(
            session=session,
            user=manager.user,
            new_email=new_email,
            password=password,
            code=code,
            language=page_language(request).tag,
        )
    except WrongCredentials as error:
        session.rollback()
        record_failure(session=session, attempt=attempt)
        return email_page(
            request, manager, session, error=error.message, status_code=422, new_email=new_email
        )
    except AppError as error:
        return email_page(
            request,
            manager,
            session,
            new_email=new_email,
            error=error.message,
            status_code=error.status_code,
        )
    background.add_task(send_change_messages, settings=settings, link=link)
    return RedirectResponse("/account/security?done=email-requested", status_code=303)


@router.get("/account/email/confirm/{token}")
def confirm_form(request: Request, token: str, session: SessionDep) -> Response:
    """The new address, and a button to confirm it (nothing changes on GET)."""
    try:
        change = open_email_change(session=session, token=token)
    except (NotFound, Gone) as error:
        return confirm_page(request, error.status_code, error=error.message)
    return confirm_page(request, new_email=change.new_email, usable=True)


@router.post("/account/email/confirm/{token}")
def confirm(
    request: Request,
    token: str,
    session: WriteSessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> Response:
    """Change the email (once); the old address is told."""
    try:
        link = confirm_email_change(
            session=session, token=token, language=page_language(request).tag
        )
    except (NotFound, Gone, Conflict) as error:
        return confirm_page(request, error.status_code, error=error.message)
    background.add_task(send_changed_notice, settings=settings, link=link)
    return RedirectResponse("/account/email/changed", status_code=303)


@router.get("/account/email/changed")
def changed(request: Request) -> Response:
    """The change is made."""
    return confirm_page(request, done=True)
