"""The signed-in person's account security: turning two-factor sign-in on and off."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from markupsafe import Markup
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from api.accounts.email_change import pending_email_change
from api.accounts.gate import sign_in_attempt
from api.accounts.languages import set_user_language
from api.accounts.service import SignedIn, keep_only_this_session
from api.accounts.throttle import locked_until, record_failure
from api.accounts.two_factor import (
    confirm_setup,
    disable,
    provisioning_uri,
    regenerate_recovery_codes,
    start_setup,
    two_factor_of,
    unused_recovery_codes,
)
from api.errors import AppError
from api.i18n import LANGUAGES, N_, translate
from api.runtime import Runtime
from api.templating import templates
from api.web.deps import (
    CsrfCheckedSettingUpManager,
    RuntimeDep,
    SessionDep,
    SettingUpManager,
    WriteSessionDep,
)
from qr.codes import render_svg

router = APIRouter(prefix="/account/security", include_in_schema=False)
CodeForm = Annotated[str, Form(max_length=40)]
LanguageForm = Annotated[str, Form(max_length=12)]
# After a change made on its own page, the redirect here says what happened (`?done=`).
NOTICES = {
    "password-changed": N_("Your password is changed. Everywhere else, you are signed out."),
    "email-requested": N_(
        "Check your new address's inbox: your email changes when you open the link there."
    ),
    "language": N_("Saved: your pages and the emails sent to you use this language."),
}
REQUIRED = N_("Your organisation requires two-factor sign-in, so it stays on.")
TOO_MANY = N_("Too many wrong codes. Please wait a few minutes and try again.")


def security_page(
    request: Request,
    manager: SignedIn,
    session: Session,
    *,
    error: str = "",
    recovery_codes: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    """The page in its state: off, being set up (secret and QR), or on."""
    user_id = manager.user.id
    assert user_id is not None
    row = two_factor_of(session=session, user_id=user_id)
    context: dict[str, Any] = {
        "manager": manager,
        "two_factor": row,
        "error": translate(request, error) if error else "",
        "recovery_codes": recovery_codes,
        "codes_left": unused_recovery_codes(session=session, user_id=user_id),
        "pending_email": pending_email_change(session=session, user_id=user_id),
        "notice": notice(request),
        "choices": tuple(LANGUAGES.values()),
    }
    if row is not None and row.enabled_at is None:
        uri = provisioning_uri(secret=row.secret, email=manager.user.email)
        # Our own SVG (no user text but the escaped URI in its title): safe to inline, and
        # inline is the only way under the CSP, which allows no image from elsewhere.
        context["qr_svg"] = Markup(render_svg(uri).decode())
        context["secret_groups"] = " ".join(
            row.secret[i : i + 4] for i in range(0, len(row.secret), 4)
        )
    return templates.TemplateResponse(
        request, "accounts/security.html", context, status_code=status_code
    )


def notice(request: Request) -> str:
    """What a change just done here calls for (after its redirect), translated."""
    done = request.query_params.get("done", "")
    return translate(request, NOTICES[done]) if done in NOTICES else ""


def with_code(
    request: Request,
    manager: SignedIn,
    session: Session,
    action: Callable[..., list[str] | None],
    code: str,
    *,
    runtime: Runtime,
) -> Response:
    """Run a service that takes a current code, throttled like a password; show the outcome."""
    attempt = sign_in_attempt(
        request, runtime.settings, manager.user.email, secret_key=runtime.secret_key
    )
    if locked_until(session=session, attempt=attempt) is not None:
        return security_page(request, manager, session, error=TOO_MANY, status_code=429)
    try:
        codes = action(session=session, user_id=manager.user.id, code=code)
    except AppError as error:
        if error.status_code == 422:
            record_failure(session=session, attempt=attempt)
        return security_page(
            request, manager, session, error=error.message, status_code=error.status_code
        )
    if codes is None:
        return RedirectResponse("/account/security", status_code=303)
    # Recovery codes are shown in the answer itself, once: they are stored only hashed.
    return security_page(request, manager, session, recovery_codes=codes)


@router.get("")
def security(request: Request, manager: SettingUpManager, session: SessionDep) -> Response:
    """Two-factor sign-in: its state and what can be done with it."""
    return security_page(request, manager, session)


@router.post("/setup")
def setup(manager: CsrfCheckedSettingUpManager, session: WriteSessionDep) -> Response:
    """Make a new secret to scan; it takes effect once a code from it is confirmed."""
    start_setup(session=session, user_id=manager.user.id)  # type: ignore[arg-type]
    return RedirectResponse("/account/security", status_code=303)


@router.post("/enable")
def enable(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    code: CodeForm = "",
) -> Response:
    """Confirm the set-up with a current code; answer with the recovery codes. This session
    stays; the person's other sessions end (they never passed the new second factor)."""

    def confirm(*, session: Session, user_id: int, code: str) -> list[str]:
        recovery_codes = confirm_setup(session=session, user_id=user_id, code=code)
        keep_only_this_session(session=session, user_id=user_id, session_id=manager.session_id)
        return recovery_codes

    return with_code(request, manager, session, confirm, code, runtime=runtime)


@router.post("/recovery-codes")
def new_recovery_codes(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    code: CodeForm = "",
) -> Response:
    """Replace the recovery codes, for a current code."""
    return with_code(request, manager, session, regenerate_recovery_codes, code, runtime=runtime)


@router.post("/disable")
def turn_off(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    runtime: RuntimeDep,
    code: CodeForm = "",
) -> Response:
    """Turn two-factor sign-in off, for a current code."""
    if manager.two_factor_required:
        return security_page(request, manager, session, error=REQUIRED, status_code=409)
    return with_code(request, manager, session, disable, code, runtime=runtime)


@router.post("/language")
def choose_language(
    request: Request,
    manager: CsrfCheckedSettingUpManager,
    session: WriteSessionDep,
    language: LanguageForm = "",
) -> Response:
    """The language of this person's pages and emails ("": their browser's)."""
    try:
        set_user_language(
            session=session,
            user_id=manager.user.id,  # type: ignore[arg-type]
            language=language,
        )
    except AppError as error:
        return security_page(
            request, manager, session, error=error.message, status_code=error.status_code
        )
    return RedirectResponse("/account/security?done=language", status_code=303)
