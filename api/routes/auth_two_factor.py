"""The sign-in's second step: a code from the authenticator app, or a recovery code."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.i18n import N_, translate
from api.models import utcnow
from api.routes.auth import pending_cookie_name, set_pending_cookie, sign_in_response
from api.services.throttle import locked_until, record_failure, record_success, throttle_keys
from api.services.two_factor import WRONG_CODE, check_code, end_pending_login, load_pending_login
from api.templating import templates

router = APIRouter(include_in_schema=False)
TOO_MANY = N_("Too many sign-in attempts. Please wait a few minutes and try again.")


def render_step(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    return templates.TemplateResponse(
        request,
        "auth/two_factor.html",
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
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Check the code (throttled like passwords); only then does the session start."""
    token = request.cookies.get(pending_cookie_name(settings), "")
    pending = load_pending_login(session=session, token=token)
    if pending is None:
        return start_over()
    login, user = pending
    client = request.client.host if request.client else "unknown"
    account_key, client_key = throttle_keys(email=user.email, client=client)
    paused_until = locked_until(session=session, keys=(account_key, client_key))
    if paused_until is not None:
        response = render_step(request, error=TOO_MANY, status_code=429)
        response.headers["Retry-After"] = str(int((paused_until - utcnow()).total_seconds()) + 1)
        return response
    if not check_code(session=session, user_id=login.user_id, code=code):
        record_failure(session=session, account_key=account_key, client_key=client_key)
        return render_step(request, error=WRONG_CODE, status_code=400)
    record_success(session=session, account_key=account_key)
    end_pending_login(session=session, token=token)
    response = sign_in_response(request, session, settings, user=user, next_path=login.next_path)
    set_pending_cookie(response, settings, None)
    return response
