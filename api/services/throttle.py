"""Sign-in throttling per account and per client: slows guessing, never locks anyone out long."""

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.models import LoginThrottle, utcnow
from api.security import sha256_hex

WINDOW = timedelta(minutes=15)
# Failures allowed in a window before a pause: a person mistyping gets several tries, a script not.
ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20
FIRST_PAUSE_SECONDS = 60
LONGEST_PAUSE_SECONDS = 15 * 60


def throttle_keys(*, email: str, client: str) -> tuple[str, str]:
    return f"account:{sha256_hex(email.strip().lower())}", f"client:{client}"


def locked_until(*, session: Session, keys: tuple[str, ...]) -> datetime | None:
    """When the latest of these keys' pauses ends, or None if none is paused now."""
    now = utcnow()
    ends = [
        row.locked_until
        for row in (session.get(LoginThrottle, key) for key in keys)
        if row is not None and row.locked_until is not None and row.locked_until > now
    ]
    return max(ends, default=None)


def record_failure(*, session: Session, account_key: str, client_key: str) -> None:
    """Count a failed sign-in; past the limit, pause that key for a minute, doubling to 15."""
    for key, limit in ((account_key, ACCOUNT_LIMIT), (client_key, CLIENT_LIMIT)):
        _count(session, key, limit)
    try:
        session.commit()
    except IntegrityError:
        # Two first failures at once: the other one's row counts; this one is dropped.
        session.rollback()


def _count(session: Session, key: str, limit: int) -> None:
    now = utcnow()
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None or now - row.window_started_at > WINDOW:
        row = row or LoginThrottle(key=key, window_started_at=now)
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures > limit:
        pause = FIRST_PAUSE_SECONDS * 2 ** (row.failures - limit - 1)
        row.locked_until = now + timedelta(seconds=min(pause, LONGEST_PAUSE_SECONDS))
    session.add(row)
    session.flush()


def record_success(*, session: Session, account_key: str) -> None:
    """A right password clears the account count; the client count stays."""
    row = session.get(LoginThrottle, account_key)
    if row is not None:
        session.delete(row)
        session.commit()
