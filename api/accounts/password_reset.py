"""Password reset: a one-time link, emailed through the installation's server or printed by
`tellus reset-password`, to choose a new password."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from api.accounts.languages import person_language
from api.accounts.service import normalize_email
from api.config import Settings
from api.errors import Gone, NotFound
from api.i18n import ENGLISH, N_, find_language
from api.mail import MailError, send_account_message
from api.models import PasswordReset, User, utcnow
from api.security import new_secret, sha256_hex

RESET_LIFETIME = timedelta(minutes=30)
NOT_VALID = N_(
    "This link no longer works: it was used already, a newer one was sent, you signed in since, "
    "or it is more than 30 minutes old. Ask for a new one."
)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResetLink:
    """A new link's token (shown or sent once: only its hash is kept), whom it is for, and the
    language its email is written in."""

    token: str
    email: str
    language: str = "en"


def reset_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/password-reset/{token}"


def start_password_reset(*, session: Session, email: str, language: str = "") -> ResetLink | None:
    """A new link for the account with this email (its older links stop working), or None if
    there is no such account. Commits either way. Its email is in the person's language, else in
    `language` (the page's they asked from)."""
    user = session.exec(select(User).where(User.email == normalize_email(email))).first()
    # Made either way: an unknown address costs the same work up to the insert.
    token = new_secret(32)
    if user is None:
        session.commit()
        return None
    assert user.id is not None
    cancel_password_resets(session=session, user_id=user.id)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=sha256_hex(token),
            expires_at=utcnow() + RESET_LIFETIME,
        )
    )
    session.commit()
    return ResetLink(token=token, email=user.email, language=person_language(user, language).tag)


def open_password_reset(*, session: Session, token: str) -> tuple[PasswordReset, User]:
    """The link and its account: NotFound if there is none, Gone if it can no longer be used."""
    found = session.exec(
        select(PasswordReset, User)
        .join(User, col(User.id) == PasswordReset.user_id)
        .where(PasswordReset.token_hash == sha256_hex(token))
    ).first()
    if found is None:
        raise NotFound(NOT_VALID)
    reset, user = found
    if reset.used_at is not None or reset.expires_at <= utcnow():
        raise Gone(NOT_VALID)
    return reset, user


def claim_password_reset(*, session: Session, reset: PasswordReset) -> None:
    """Mark the link used in one statement: two browsers posting it cannot both use it. The
    caller commits."""
    claimed = session.execute(
        update(PasswordReset)
        .where(
            col(PasswordReset.id) == reset.id,
            col(PasswordReset.used_at).is_(None),
            col(PasswordReset.expires_at) > utcnow(),
        )
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Gone(NOT_VALID)


def cancel_password_resets(*, session: Session, user_id: int) -> None:
    """The account's open links stop working (a newer link, a sign-in, a new password). The
    caller commits."""
    session.execute(delete(PasswordReset).where(col(PasswordReset.user_id) == user_id))


def send_reset_link(*, settings: Settings, link: ResetLink) -> None:
    """Email the link through the installation's server; run after the request's transaction
    ended (never inside it). Without a server, or if sending fails, it is only logged (without
    the link): the operator can print one with `tellus reset-password`."""
    _ = (find_language(link.language) or ENGLISH).gettext
    url = reset_link(settings, link.token)
    text = "\n\n".join(
        (
            _(
                "Someone (we hope you) asked to choose a new password for the Tellus account "
                "with this email."
            ),
            _("Open this link to choose it:") + f"\n{url}",
            _(
                "It works once, for 30 minutes. If you did not ask, ignore this email: your "
                "password stays as it is."
            ),
        )
    )
    try:
        sent = send_account_message(
            settings=settings,
            to=link.email,
            subject=_("Choose a new Tellus password"),
            text=text + "\n",
        )
    except MailError as error:
        logger.warning("A password-reset email could not be sent: %s", error)
        return
    if not sent:
        logger.warning(
            "A password reset was asked for, but TELLUS_SMTP_URL is not set: nothing was sent "
            "(`tellus reset-password EMAIL` prints a link)."
        )
