"""The sign-in's second step: a code from the authenticator app, or a recovery code."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.accounts.gate import (
    SignInPaused,
    check_not_paused,
    pass_second_factor,
    pending_cookie_name,
    sign_in_attempt,
)
from api.accounts.throttle import record_failure
from api.accounts.two_factor import WRONG_CODE, check_code, end_pending_login, load_pending_login
from api.i18n import translate
from api.templating import templates
from api.web.deps import SecretKeyDep, SessionDep, SettingsDep, WriteSessionDep

router = APIRouter(include_in_schema=False)


def render_step(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    return templates.TemplateResponse(
        request,
        "accounts/two_factor.html",
        {"error": translate(request, error) if error else ""},
        status_code=status_code,
    )


def start_over() -> Response:
    """No half-finished sign-in (expired, used, or never begun): back to the password."""
    return RedirectResponse("/login", status_code=303)


@router.get("/login/two-factor")
def two_factor_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The second step's form, for a browser that just gave a right password."""
    token = request.cookies.get(pending_cookie_name(settings), "")
    if load_pending_login(session=session, token=token) is None:
        return start_over()
    return render_step(request)


@router.post("/login/two-factor")
def two_factor_sign_in(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    secret_key: SecretKeyDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Check the code (throttled like passwords); only then does the session start."""
    token = request.cookies.get(pending_cookie_name(settings), "")
    pending = load_pending_login(session=session, token=token)
    if pending is None:
        return start_over()
    login, user = pending
    attempt = sign_in_attempt(request, settings, user.email, secret_key=secret_key)
    try:
        check_not_paused(session=session, attempt=attempt)
    except SignInPaused as error:
        response = render_step(request, error=error.message, status_code=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    if not check_code(session=session, user_id=login.user_id, code=code):
        record_failure(session=session, attempt=attempt)
        return render_step(request, error=WRONG_CODE, status_code=400)
    end_pending_login(session=session, token=token)
    return pass_second_factor(
        request, session, settings, pending=login, user=user, attempt=attempt, secret_key=secret_key
    )
