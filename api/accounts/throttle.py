"""Sign-in throttling: keeps guessers out without letting anyone lock the password's owner out.

Each attempt counts under several keys at once, each with its own limit:
- `pair:` an account from one client address: a guesser at one address;
- `client:` one address, whatever account: one address trying many accounts;
- `account:` an account from browsers that never signed in to it: many addresses (a botnet)
  trying one account;
- `device:` a browser that signed in to this account before, recognised by a signed cookie
  (api.accounts.gate). Its attempts count only under its own key, so failures elsewhere never
  pause it.

Past a key's limit within the window, that key pauses for a minute, doubling to a short ceiling.
A paused key stops only the attempts that count under it.

Requests that send an email (a password-reset link, a new email's confirmation) are counted in
the same table under their own kinds, by the hour: see `take_request`.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.models import LoginThrottle, utcnow
from api.security import sha256_hex

WINDOW = timedelta(minutes=15)
# Failures allowed per key in a window before a pause: a person mistyping gets several tries.
PAIR_LIMIT = 5
DEVICE_LIMIT = 5
CLIENT_LIMIT = 20
ACCOUNT_LIMIT = 20
FIRST_PAUSE_SECONDS = 60
# Short enough that a person who mistyped is not shut out for long; the owner's own browser
# never waits on anyone else's failures at all.
LONGEST_PAUSE_SECONDS = {"pair": 5 * 60, "device": 5 * 60, "client": 15 * 60, "account": 15 * 60}
LIMITS = {
    "pair": PAIR_LIMIT,
    "device": DEVICE_LIMIT,
    "client": CLIENT_LIMIT,
    "account": ACCOUNT_LIMIT,
}


# Emailing requests allowed per key and hour: enough for a person whose mail is slow to ask again,
# too few to flood an inbox or to probe many addresses from one client.
REQUEST_WINDOW = timedelta(hours=1)
REQUEST_LIMITS = {
    "reset-account": 3,
    "reset-client": 10,
    "email-change": 5,
    "staff-account": 3,
    "staff-client": 10,
}


@dataclass(frozen=True)
class Attempt:
    """The keys one sign-in attempt counts under."""

    account_key: str
    keys: tuple[str, ...]


def account_key(email: str) -> str:
    return f"account:{sha256_hex(email.strip().lower())}"


def client_network(client: str) -> str:
    """The address a client is counted by: IPv6 by its /64, which one subscriber usually has."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def attempt_keys(*, email: str, client: str, device: str | None) -> Attempt:
    """The keys of an attempt on `email` from `client`, from a recognised device or not."""
    account = account_key(email)
    if device is not None:
        return Attempt(account_key=account, keys=(f"device:{device}",))
    network = client_network(client)
    pair = f"pair:{sha256_hex(f'{account}|{network}')}"
    return Attempt(account_key=account, keys=(pair, f"client:{network}", account))


def locked_until(*, session: Session, attempt: Attempt) -> datetime | None:
    """When the latest pause among this attempt's keys ends, or None if none is paused now."""
    now = utcnow()
    ends = [
        row.locked_until
        for row in (session.get(LoginThrottle, key) for key in attempt.keys)
        if row is not None and row.locked_until is not None and row.locked_until > now
    ]
    return max(ends, default=None)


def record_failure(*, session: Session, attempt: Attempt) -> None:
    """Count a failed attempt under each of its keys; past a key's limit, pause that key."""
    for key in attempt.keys:
        _count(session, key)
    try:
        session.commit()
    except IntegrityError:
        # Two first failures at once: the other one's row counts; this one is dropped.
        session.rollback()


def _count(session: Session, key: str) -> None:
    kind = key.partition(":")[0]
    now = utcnow()
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None or now - row.window_started_at > WINDOW:
        row = row or LoginThrottle(key=key, window_started_at=now)
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures > LIMITS[kind]:
        pause = FIRST_PAUSE_SECONDS * 2 ** min(row.failures - LIMITS[kind] - 1, 10)
        row.locked_until = now + timedelta(seconds=min(pause, LONGEST_PAUSE_SECONDS[kind]))
    session.add(row)
    session.flush()


def record_success(*, session: Session, attempt: Attempt) -> None:
    """The account's owner got in: its counts (but not the client's) start again."""
    keys = [key for key in attempt.keys if not key.startswith("client:")]
    session.execute(delete(LoginThrottle).where(col(LoginThrottle.key).in_(keys)))
    session.commit()


def reset_request_keys(*, email: str, client: str) -> tuple[str, ...]:
    """The keys a password-reset request counts under: the account asked for, and the client
    (whether or not the account exists, so the answer tells nothing)."""
    account = sha256_hex(email.strip().lower())
    return (f"reset-account:{account}", f"reset-client:{client_network(client)}")


def staff_link_keys(*, email: str, client: str) -> tuple[str, ...]:
    """The keys a staff sign-in link request counts under, as a password reset's."""
    account = sha256_hex(email.strip().lower())
    return (f"staff-account:{account}", f"staff-client:{client_network(client)}")


def link_attempt(*, client: str) -> Attempt:
    """A one-time link that names no account until it is found: a wrong one counts against
    the client address only."""
    return Attempt(account_key="", keys=(f"client:{client_network(client)}",))


def email_change_keys(*, user_id: int) -> tuple[str, ...]:
    return (f"email-change:{user_id}",)


def take_request(*, session: Session, keys: tuple[str, ...]) -> datetime | None:
    """Count one emailing request under each key and commit; if a key already reached its limit
    this hour, count nothing and return when it may ask again."""
    now = utcnow()
    rows = []
    for key in keys:
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None or now - row.window_started_at > REQUEST_WINDOW:
            row = row or LoginThrottle(key=key, window_started_at=now)
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        if row.failures >= REQUEST_LIMITS[key.partition(":")[0]]:
            session.rollback()
            return row.window_started_at + REQUEST_WINDOW
        rows.append(row)
    for row in rows:
        row.failures += 1
        session.add(row)
    try:
        session.commit()
    except IntegrityError:
        # Two first requests at once: the other one's row counts; this one is let through.
        session.rollback()
    return None
