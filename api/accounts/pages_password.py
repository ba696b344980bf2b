"""Under Security: changing one's password, with the current one."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.accounts.gate import SignInPaused, check_not_paused, sign_in_attempt
from api.accounts.password_change import WrongCurrentPassword, change_password
from api.accounts.service import SignedIn
from api.accounts.throttle import record_failure
from api.errors import AppError
from api.i18n import translate
from api.templating import templates
from api.web.deps import (
    CsrfCheckedSettingUpManager,
    SecretKeyDep,
    SettingsDep,
    SettingUpManager,
    WriteSessionDep,
)

router = APIRouter(prefix="/account/security/password", include_in_schema=False)
Password = Annotated[str, Form(max_length=1024)]


def password_page(
    request: Request, manager: SignedIn, *, error: str = "", status_code: int = 200
) -> Response:
    return templates.TemplateResponse(
        request,
        "accounts/change_password.html",
        {"manager": manager, "error": translate(request, error) if error else ""},
        status_code=status_code,
    )


@router.get("")
def password_form(request: Request, manager: SettingUpManager) -> Response:
    """The form: current password, new password twice."""
    return password_page(request, manager)


@router.post("")
def change(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    settings: SettingsDep,
    secret_key: SecretKeyDep,
    current_password: Password = "",
    password: Password = "",
    password_again: Password = "",
) -> Response:
    """A new password; this session stays, the person's other sessions end. A wrong current
    password counts against the sign-in throttle like a wrong password at sign-in."""
    attempt = sign_in_attempt(request, settings, manager.user.email, secret_key=secret_key)
    try:
        check_not_paused(session=session, attempt=attempt)
        change_password(
            session=session,
            user_id=manager.user.id,  # type: ignore[arg-type]
            current=current_password,
            password=password,
            password_again=password_again,
            session_id=manager.session_id,
        )
    except WrongCurrentPassword as error:
        session.rollback()
        record_failure(session=session, attempt=attempt)
        return password_page(request, manager, error=error.message, status_code=422)
    except AppError as error:
        response = password_page(
            request, manager, error=error.message, status_code=error.status_code
        )
        if isinstance(error, SignInPaused):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    return RedirectResponse("/account/security?done=password-changed", status_code=303)
