"""What a new password must be: long enough, and not one of the passwords people use most."""

from functools import lru_cache

from api.errors import Unprocessable
from api.i18n import N_

MIN_PASSWORD_LENGTH = 10
# How many of the most used passwords (by frequency, as leaked) are refused.
COMMON_PASSWORDS = 10_000
TOO_SHORT = N_("Choose a password of at least 10 characters.")
TOO_COMMON = N_(
    "This password is too common: it is among the passwords people use most. Choose another."
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The commonest passwords, lower-cased; loaded once, on first use (the list is large)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS])


def password_problem(password: str) -> str | None:
    """Why a password may not be set (a message to translate), or None if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return TOO_SHORT
    if password.lower() in common_passwords() or password.strip().lower() in common_passwords():
        return TOO_COMMON
    return None


def check_new_password(password: str) -> None:
    """Raise Unprocessable with a clear reason when a password may not be set."""
    problem = password_problem(password)
    if problem is not None:
        raise Unprocessable(problem)
