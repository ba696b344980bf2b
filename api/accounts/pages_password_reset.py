"""A forgotten password: asking for a link (same answer whether or not the account exists), and
using it (a form on GET, the new password on POST, then the sign-in gate)."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from starlette.responses import RedirectResponse, Response

from api.accounts.gate import pass_first_factor, sign_in_attempt
from api.accounts.password_change import reset_password
from api.accounts.password_reset import open_password_reset, send_reset_link, start_password_reset
from api.accounts.service import normalize_email
from api.accounts.throttle import reset_request_keys, take_request
from api.customer.schemas import EMAIL
from api.errors import AppError, Gone, NotFound, Unprocessable
from api.i18n import N_, page_language, translate
from api.models import utcnow
from api.templating import templates
from api.text import ManagerText
from api.web.deps import SecretKeyDep, SessionDep, SettingsDep, WriteSessionDep

router = APIRouter(include_in_schema=False)
NOT_AN_EMAIL = N_("This email address does not look right.")
TOO_MANY = N_("Too many requests for a new password. Please wait an hour and try again.")
Password = Annotated[str, Form(max_length=1024)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    error = context.pop("error", "")
    context["error"] = translate(request, error) if error else ""
    return templates.TemplateResponse(request, f"accounts/{name}", context, status_code=status_code)


@router.get("/forgot-password")
def forgot_password(request: Request) -> Response:
    """The form asking for a link to choose a new password."""
    return render(request, "forgot_password.html", email="")


@router.post("/forgot-password")
def ask_for_link(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    email: Annotated[ManagerText, Form(max_length=254)] = "",
) -> Response:
    """Email a link if the account exists; answer the same either way (throttled)."""
    address = normalize_email(email)
    if not EMAIL.match(address):
        return render(
            request, "forgot_password.html", status_code=422, email=email, error=NOT_AN_EMAIL
        )
    client = request.client.host if request.client else "unknown"
    again_at = take_request(session=session, keys=reset_request_keys(email=address, client=client))
    if again_at is not None:
        response = render(
            request, "forgot_password.html", status_code=429, email=email, error=TOO_MANY
        )
        response.headers["Retry-After"] = str(int((again_at - utcnow()).total_seconds()) + 1)
        return response
    link = start_password_reset(session=session, email=address, language=page_language(request).tag)
    if link is not None:
        # After the response, so the answer takes as long whether or not an email goes out.
        background.add_task(send_reset_link, settings=settings, link=link)
    return RedirectResponse("/forgot-password/sent", status_code=303)


@router.get("/forgot-password/sent")
def link_sent(request: Request) -> Response:
    """What happens next, the same words whoever asked."""
    return render(request, "forgot_password_sent.html")


@router.get("/password-reset/{token}")
def reset_form(request: Request, token: str, session: SessionDep) -> Response:
    """The form for a new password (nothing changes until it is sent)."""
    try:
        _, user = open_password_reset(session=session, token=token)
    except (NotFound, Gone) as error:
        return render(request, "password_reset.html", error.status_code, error=error.message)
    return render(request, "password_reset.html", email=user.email, usable=True)


@router.post("/password-reset/{token}")
def use_reset_link(
    request: Request,
    token: str,
    session: WriteSessionDep,
    settings: SettingsDep,
    secret_key: SecretKeyDep,
    password: Password = "",
    password_again: Password = "",
) -> Response:
    """Set the new password once; every session of the account ends; then the sign-in gate,
    which still asks for the second factor when the account has one."""
    try:
        user = reset_password(
            session=session, token=token, password=password, password_again=password_again
        )
    except (NotFound, Gone) as error:
        return render(request, "password_reset.html", error.status_code, error=error.message)
    except Unprocessable as error:
        _, holder = open_password_reset(session=session, token=token)
        return render(
            request,
            "password_reset.html",
            422,
            email=holder.email,
            usable=True,
            error=error.message,
        )
    attempt = sign_in_attempt(request, settings, user.email, secret_key=secret_key)
    try:
        return pass_first_factor(
            request, session, settings, user=user, attempt=attempt, secret_key=secret_key
        )
    except AppError as error:  # an account without a manager's inbox: the password is set
        note = translate(request, error.message)
        return render(request, "password_reset.html", email=user.email, done=True, note=note)
