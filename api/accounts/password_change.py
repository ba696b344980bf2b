"""Setting a new password: by the current one (under Security) or by a reset link."""

from sqlmodel import Session

from api.accounts.email_change import cancel_email_changes
from api.accounts.password_reset import (
    cancel_password_resets,
    claim_password_reset,
    open_password_reset,
)
from api.accounts.passwords import check_new_password
from api.accounts.service import authenticate, end_sessions
from api.errors import Unprocessable
from api.i18n import N_
from api.models import User
from api.security import hash_password

WRONG_CURRENT_PASSWORD = N_("Your current password is not right.")
PASSWORDS_DIFFER = N_("The two new passwords are not the same.")


class WrongCurrentPassword(Unprocessable):
    """The current password given to change something is not right: counts as a failed sign-in."""

    title = WRONG_CURRENT_PASSWORD


def check_new_passwords(password: str, password_again: str) -> None:
    if password != password_again:
        raise Unprocessable(PASSWORDS_DIFFER)
    check_new_password(password)


def set_new_password(*, session: Session, user: User, password: str, keep: str | None) -> None:
    """The new password's hash; every session but `keep` ends (their streams close), and open
    reset links and email changes stop working. The caller commits."""
    assert user.id is not None
    user.password_hash = hash_password(password)
    session.add(user)
    end_sessions(session=session, user_id=user.id, keep=keep)
    cancel_password_resets(session=session, user_id=user.id)
    cancel_email_changes(session=session, user_id=user.id)


def change_password(
    *,
    session: Session,
    user_id: int,
    current: str,
    password: str,
    password_again: str,
    session_id: str,
) -> None:
    """A new password for the current one; this session stays, the person's others end."""
    check_new_passwords(password, password_again)
    found = session.get(User, user_id)
    assert found is not None
    if authenticate(session=session, email=found.email, password=current) is None:
        raise WrongCurrentPassword(WRONG_CURRENT_PASSWORD)
    set_new_password(session=session, user=found, password=password, keep=session_id)
    session.commit()


def reset_password(*, session: Session, token: str, password: str, password_again: str) -> User:
    """Use a reset link once: the new password, and every session of the account ends."""
    reset, user = open_password_reset(session=session, token=token)
    check_new_passwords(password, password_again)
    claim_password_reset(session=session, reset=reset)
    set_new_password(session=session, user=user, password=password, keep=None)
    session.commit()
    return user
