"""Signing in and out."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.config import Settings
from api.deps import (
    CsrfCheckedSettingUpManager,
    SettingsDep,
    WriteSessionDep,
    cookie_name,
    set_session_cookie,
)
from api.i18n import N_, translate
from api.models import User, utcnow
from api.security import check_form_token, sign_form_token
from api.services.accounts import authenticate, end_session, start_session
from api.services.throttle import locked_until, record_failure, record_success, throttle_keys
from api.services.two_factor import PENDING_LOGIN_LIFETIME, is_enabled, start_pending_login
from api.templating import templates

router = APIRouter(include_in_schema=False)
LOGIN_PURPOSE = "login"
LOGIN_FORM_SECONDS = 3 * 3600


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/inbox"


def render_login(
    request: Request, *, next_path: str, email: str = "", error: str = "", status_code: int = 200
) -> Response:
    token = sign_form_token(request.app.state.secret_key, LOGIN_PURPOSE, "login")
    return templates.TemplateResponse(
        request,
        "auth/login.html",
        {
            "next": next_path,
            "email": email,
            "error": translate(request, error) if error else "",
            "form_token": token,
        },
        status_code=status_code,
    )


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render_login(request, next_path=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    form_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/inbox",
) -> Response:
    """Check the password, start a new session and set its cookie."""
    next_path = safe_next(next)
    if not check_form_token(
        request.app.state.secret_key,
        LOGIN_PURPOSE,
        "login",
        form_token,
        max_age_seconds=LOGIN_FORM_SECONDS,
    ):
        return render_login(
            request,
            next_path=next_path,
            email=email,
            status_code=400,
            error=N_("This sign-in page was open too long. Please try again."),
        )
    client = request.client.host if request.client else "unknown"
    account_key, client_key = throttle_keys(email=email, client=client)
    paused_until = locked_until(session=session, keys=(account_key, client_key))
    if paused_until is not None:
        response = render_login(
            request,
            next_path=next_path,
            email=email,
            status_code=429,
            error=N_("Too many sign-in attempts. Please wait a few minutes and try again."),
        )
        response.headers["Retry-After"] = str(int((paused_until - utcnow()).total_seconds()) + 1)
        return response
    user = authenticate(session=session, email=email, password=password)
    if user is None:
        record_failure(session=session, account_key=account_key, client_key=client_key)
        return render_login(
            request,
            next_path=next_path,
            email=email,
            status_code=400,
            error=N_("The email or password is not right."),
        )
    if is_enabled(session=session, user_id=user.id):  # type: ignore[arg-type]
        # The account's failure count stays until the code is right too: a known password
        # must not reset the count of guessed codes.
        pending = start_pending_login(session=session, user=user, next_path=next_path)
        response = RedirectResponse("/login/two-factor", status_code=303)
        set_pending_cookie(response, settings, pending)
        return response
    record_success(session=session, account_key=account_key)
    return sign_in_response(request, session, settings, user=user, next_path=next_path)


def pending_cookie_name(settings: Settings) -> str:
    return "__Host-tellus_pending" if settings.secure_cookies else "tellus_pending"


def set_pending_cookie(response: Response, settings: Settings, token: str | None) -> None:
    """The half-finished sign-in's cookie; None forgets it."""
    name = pending_cookie_name(settings)
    if token is None:
        response.delete_cookie(name, path="/", secure=settings.secure_cookies, httponly=True)
        return
    response.set_cookie(
        name,
        token,
        max_age=int(PENDING_LOGIN_LIFETIME.total_seconds()),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )


def sign_in_response(
    request: Request, session: Session, settings: Settings, *, user: User, next_path: str
) -> Response:
    """A new session (its id rotated: any session this browser had ends) and its cookie."""
    cookie = cookie_name(settings)
    started = start_session(
        session=session,
        user=user,
        lifetime=timedelta(days=settings.session_days),
        replaces=request.cookies.get(cookie),
    )
    if started is None:
        # A right password on a staff-only account says so, rather than "wrong password".
        return render_login(
            request,
            next_path=next_path,
            status_code=400,
            error=N_("This account has no access to a manager's inbox."),
        )
    token, _ = started
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, settings, token)
    return response


@router.post("/logout")
def logout(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """End the session on the server and forget the cookie."""
    cookie = cookie_name(settings)
    end_session(session=session, token=request.cookies.get(cookie, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie, path="/", secure=settings.secure_cookies, httponly=True)
    return response
