"""The one way into a session: first factor, then a second one when the account has it, then a
session and its cookie.

Every route that lets someone in (the password form, an invitation, a password-reset link, and
whatever comes later) proves the first factor its own way and then calls `pass_first_factor`;
the second step's route calls `pass_second_factor`. Nothing else starts a session or sets its
cookie (a test holds every route to that). A session that skipped the second factor is refused
by `load_session` whenever the account has one, so even a bug elsewhere cannot open such an
account with a password alone.
"""

import hmac
from datetime import timedelta

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.accounts.password_reset import cancel_password_resets
from api.accounts.service import start_session
from api.accounts.throttle import Attempt, attempt_keys, locked_until, record_success
from api.accounts.two_factor import PENDING_LOGIN_LIFETIME, is_enabled, start_pending_login
from api.config import Settings
from api.errors import AppError
from api.i18n import N_
from api.models import PendingLogin, User, utcnow
from api.security import new_secret, same_secret, sha256_hex

NO_INBOX = N_("This account has no access to a manager's inbox.")
TOO_MANY = N_("Too many sign-in attempts. Please wait a few minutes and try again.")
DEVICE_DAYS = 365


class SignInPaused(AppError):
    """Too many failures under one of the attempt's throttle keys: wait `retry_after` seconds."""

    status_code = 429
    title = TOO_MANY

    def __init__(self, retry_after: int) -> None:
        super().__init__(TOO_MANY)
        self.retry_after = retry_after


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix pins the cookie to this exact host over HTTPS, path /.
    return "__Host-tellus_session" if settings.secure_cookies else "tellus_session"


def pending_cookie_name(settings: Settings) -> str:
    return "__Host-tellus_pending" if settings.secure_cookies else "tellus_pending"


def device_cookie_name(settings: Settings) -> str:
    return "__Host-tellus_device" if settings.secure_cookies else "tellus_device"


def _set_cookie(
    response: Response, settings: Settings, name: str, value: str, seconds: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )


def forget_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(name, path="/", secure=settings.secure_cookies, httponly=True)


def _device_signature(secret: str, account_key: str, nonce: str) -> str:
    key = sha256_hex(f"device:{secret}").encode()
    return hmac.new(key, f"{account_key}|{nonce}".encode(), "sha256").hexdigest()[:32]


def recognised_device(
    request: Request, settings: Settings, account_key: str, *, secret_key: str
) -> str | None:
    """The id of this browser if it signed in to this account before (its signed cookie)."""
    nonce, _, signature = request.cookies.get(device_cookie_name(settings), "").partition(".")
    if not nonce or not signature:
        return None
    expected = _device_signature(secret_key, account_key, nonce)
    return nonce if same_secret(signature, expected) else None


def sign_in_attempt(
    request: Request, settings: Settings, email: str, *, secret_key: str
) -> Attempt:
    """The throttle keys of an attempt on this account from this browser and address."""
    client = request.client.host if request.client else "unknown"
    account = attempt_keys(email=email, client=client, device=None).account_key
    device = recognised_device(request, settings, account, secret_key=secret_key)
    return attempt_keys(email=email, client=client, device=device)


def check_not_paused(*, session: Session, attempt: Attempt) -> None:
    """Raise SignInPaused while any of the attempt's keys is paused."""
    paused_until = locked_until(session=session, attempt=attempt)
    if paused_until is not None:
        raise SignInPaused(int((paused_until - utcnow()).total_seconds()) + 1)


def pass_first_factor(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    user: User,
    attempt: Attempt,
    secret_key: str,
    next_path: str = "/inbox",
    organisation_id: int | None = None,
) -> Response:
    """The first factor is proved: the second step if the account has two-factor sign-in on,
    else a session (on `organisation_id`, if the person manages it)."""
    assert user.id is not None
    if is_enabled(session=session, user_id=user.id):
        # The account's failure count stays until the code is right too: a known password
        # must not reset the count of guessed codes.
        token = start_pending_login(
            session=session, user=user, next_path=next_path, organisation_id=organisation_id
        )
        response: Response = RedirectResponse("/login/two-factor", status_code=303)
        seconds = int(PENDING_LOGIN_LIFETIME.total_seconds())
        _set_cookie(response, settings, pending_cookie_name(settings), token, seconds)
        return response
    return _open_session(
        request,
        session,
        settings,
        user=user,
        attempt=attempt,
        secret_key=secret_key,
        next_path=next_path,
        organisation_id=organisation_id,
        second_factor=False,
    )


def pass_second_factor(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    pending: PendingLogin,
    user: User,
    attempt: Attempt,
    secret_key: str,
) -> Response:
    """The code from the authenticator app (or a recovery code) is right: the session."""
    response = _open_session(
        request,
        session,
        settings,
        user=user,
        attempt=attempt,
        secret_key=secret_key,
        next_path=pending.next_path,
        organisation_id=pending.organisation_id,
        second_factor=True,
    )
    forget_cookie(response, settings, pending_cookie_name(settings))
    return response


def _open_session(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    user: User,
    attempt: Attempt,
    secret_key: str,
    next_path: str,
    organisation_id: int | None,
    second_factor: bool,
) -> Response:
    """A new session (its id rotated: any session this browser had ends), its cookie, and the
    device cookie that spares this browser from other people's failures next time."""
    cookie = session_cookie_name(settings)
    started = start_session(
        session=session,
        user=user,
        lifetime=timedelta(days=settings.session_days),
        second_factor=second_factor,
        organisation_id=organisation_id,
        replaces=request.cookies.get(cookie),
    )
    if started is None:
        raise AppError(NO_INBOX)
    # Whoever signs in knows the password: a reset link still open for the account stops working.
    cancel_password_resets(session=session, user_id=started[1].user_id)
    record_success(session=session, attempt=attempt)
    token, _ = started
    response = RedirectResponse(next_path, status_code=303)
    _set_cookie(response, settings, cookie, token, settings.session_days * 86400)
    known = recognised_device(request, settings, attempt.account_key, secret_key=secret_key)
    nonce = known or new_secret(16)
    signature = _device_signature(secret_key, attempt.account_key, nonce)
    _set_cookie(
        response,
        settings,
        device_cookie_name(settings),
        f"{nonce}.{signature}",
        DEVICE_DAYS * 86400,
    )
    return response
