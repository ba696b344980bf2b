"""Signing in and out."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.accounts.gate import (
    SignInPaused,
    check_not_paused,
    forget_cookie,
    pass_first_factor,
    session_cookie_name,
    sign_in_attempt,
)
from api.accounts.service import authenticate, end_session
from api.accounts.throttle import record_failure
from api.errors import AppError
from api.i18n import N_, translate
from api.security import check_form_token, sign_form_token
from api.templating import templates
from api.text import ManagerText
from api.web.deps import CsrfCheckedSettingUpManager, SecretKeyDep, SettingsDep, WriteSessionDep

router = APIRouter(include_in_schema=False)
LOGIN_PURPOSE = "login"
LOGIN_FORM_SECONDS = 3 * 3600


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/inbox"


def render_login(
    request: Request,
    *,
    secret_key: str,
    next_path: str,
    email: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    token = sign_form_token(secret_key, LOGIN_PURPOSE, "login")
    return templates.TemplateResponse(
        request,
        "accounts/login.html",
        {
            "next": next_path,
            "email": email,
            "error": translate(request, error) if error else "",
            "form_token": token,
        },
        status_code=status_code,
    )


@router.get("/login")
def login_page(request: Request, secret_key: SecretKeyDep, next: str | None = None) -> Response:
    """The sign-in form."""
    return render_login(request, secret_key=secret_key, next_path=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    secret_key: SecretKeyDep,
    email: Annotated[ManagerText, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    form_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/inbox",
) -> Response:
    """Check the password, start a new session and set its cookie."""
    next_path = safe_next(next)
    if not check_form_token(
        secret_key,
        LOGIN_PURPOSE,
        "login",
        form_token,
        max_age_seconds=LOGIN_FORM_SECONDS,
    ):
        return render_login(
            request,
            secret_key=secret_key,
            next_path=next_path,
            email=email,
            status_code=400,
            error=N_("This sign-in page was open too long. Please try again."),
        )
    attempt = sign_in_attempt(request, settings, email, secret_key=secret_key)
    try:
        check_not_paused(session=session, attempt=attempt)
        user = authenticate(session=session, email=email, password=password)
        if user is None:
            record_failure(session=session, attempt=attempt)
            raise AppError(N_("The email or password is not right."))
        return pass_first_factor(
            request,
            session,
            settings,
            user=user,
            attempt=attempt,
            secret_key=secret_key,
            next_path=next_path,
        )
    except AppError as error:
        response = render_login(
            request,
            secret_key=secret_key,
            next_path=next_path,
            email=email,
            status_code=error.status_code,
            error=error.message,
        )
        if isinstance(error, SignInPaused):
            response.headers["Retry-After"] = str(error.retry_after)
        return response


@router.post("/logout")
def logout(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """End the session on the server and forget the cookie."""
    cookie = session_cookie_name(settings)
    end_session(session=session, token=request.cookies.get(cookie, ""))
    response = RedirectResponse("/login", status_code=303)
    forget_cookie(response, settings, cookie)
    return response
