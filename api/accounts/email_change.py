"""Changing a sign-in email: asked for with the password (and a current code when two-factor is
on), done only when the link sent to the new address is opened and confirmed."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.accounts.languages import person_language
from api.accounts.password_reset import cancel_password_resets
from api.accounts.service import authenticate, normalize_email
from api.accounts.two_factor import WRONG_CODE, check_code, is_enabled
from api.config import Settings
from api.customer.schemas import EMAIL
from api.errors import Conflict, Gone, NotFound, Unprocessable
from api.i18n import ENGLISH, N_, find_language
from api.mail import MailError, send_account_message
from api.models import EmailChange, User, utcnow
from api.security import new_secret, sha256_hex

EMAIL_CHANGE_LIFETIME = timedelta(hours=24)
NOT_AN_EMAIL = N_("This email address does not look right.")
SAME_EMAIL = N_("This is already your email address.")
TAKEN = N_("Another Tellus account uses this email address. Choose another one.")
WRONG_PASSWORD = N_("Your current password is not right.")
NOT_VALID = N_(
    "This link no longer works: it was used already, a newer change was asked for, or it is "
    "more than 24 hours old. Ask for the change again under Security."
)
logger = logging.getLogger(__name__)


class WrongCredentials(Unprocessable):
    """The current password or code given is not right: counts as a failed sign-in."""


@dataclass(frozen=True)
class EmailChangeLink:
    """A new change's token (sent once: only its hash is kept), the two addresses, and the
    language of the emails about it."""

    token: str
    old_email: str
    new_email: str
    language: str = "en"


def confirmation_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/account/email/confirm/{token}"


def email_taken(session: Session, email: str) -> bool:
    return session.exec(select(User.id).where(User.email == email)).first() is not None


def request_email_change(
    *, session: Session, user: User, new_email: str, password: str, code: str, language: str = ""
) -> EmailChangeLink:
    """Check the password (and code), then a change waiting for its link (older ones end). Its
    emails are in the person's language, else in `language` (their page's)."""
    assert user.id is not None
    email = normalize_email(new_email)
    if len(email) > 254 or not EMAIL.match(email):
        raise Unprocessable(NOT_AN_EMAIL)
    if email == user.email:
        raise Unprocessable(SAME_EMAIL)
    if authenticate(session=session, email=user.email, password=password) is None:
        raise WrongCredentials(WRONG_PASSWORD)
    if is_enabled(session=session, user_id=user.id) and not check_code(
        session=session, user_id=user.id, code=code
    ):
        raise WrongCredentials(WRONG_CODE)
    # Told only to someone who has this account's password (and code), a few times an hour.
    if email_taken(session, email):
        raise Conflict(TAKEN)
    cancel_email_changes(session=session, user_id=user.id)
    token = new_secret(32)
    session.add(
        EmailChange(
            user_id=user.id,
            new_email=email,
            token_hash=sha256_hex(token),
            expires_at=utcnow() + EMAIL_CHANGE_LIFETIME,
        )
    )
    session.commit()
    return EmailChangeLink(
        token=token,
        old_email=user.email,
        new_email=email,
        language=person_language(user, language).tag,
    )


def pending_email_change(*, session: Session, user_id: int) -> EmailChange | None:
    """The change waiting for its link, if one is."""
    return session.exec(
        select(EmailChange).where(
            EmailChange.user_id == user_id,
            col(EmailChange.confirmed_at).is_(None),
            col(EmailChange.expires_at) > utcnow(),
        )
    ).first()


def open_email_change(*, session: Session, token: str) -> EmailChange:
    """The change behind a link: NotFound if there is none, Gone if it can no longer be used."""
    change = session.exec(
        select(EmailChange).where(EmailChange.token_hash == sha256_hex(token))
    ).first()
    if change is None:
        raise NotFound(NOT_VALID)
    if change.confirmed_at is not None or change.expires_at <= utcnow():
        raise Gone(NOT_VALID)
    return change


def confirm_email_change(*, session: Session, token: str, language: str = "") -> EmailChangeLink:
    """Use the link once: the account signs in with the new email from now on. The notice to
    the old address is in the person's language, else in `language`."""
    change = open_email_change(session=session, token=token)
    claimed = session.execute(
        update(EmailChange)
        .where(
            col(EmailChange.id) == change.id,
            col(EmailChange.confirmed_at).is_(None),
            col(EmailChange.expires_at) > utcnow(),
        )
        .values(confirmed_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Gone(NOT_VALID)
    user = session.get(User, change.user_id)
    assert user is not None
    old_email = user.email
    if email_taken(session, change.new_email):
        session.rollback()
        raise Conflict(TAKEN)
    user.email = change.new_email
    session.add(user)
    # Reset links went to the old address.
    cancel_password_resets(session=session, user_id=change.user_id)
    try:
        session.commit()
    except IntegrityError as error:  # another account took the address a moment ago
        session.rollback()
        raise Conflict(TAKEN) from error
    return EmailChangeLink(
        token=token,
        old_email=old_email,
        new_email=change.new_email,
        language=person_language(user, language).tag,
    )


def cancel_email_changes(*, session: Session, user_id: int) -> None:
    """The account's waiting changes end (a newer one, a new password). The caller commits."""
    session.execute(delete(EmailChange).where(col(EmailChange.user_id) == user_id))


def send_change_messages(*, settings: Settings, link: EmailChangeLink) -> None:
    """The link to the new address, a notice to the old one; after the transaction ended."""
    _ = (find_language(link.language) or ENGLISH).gettext
    url = confirmation_link(settings, link.token)
    messages = (
        (
            link.new_email,
            _("Confirm your new Tellus email"),
            (
                _(
                    "Someone (we hope you) asked to sign in to Tellus with this email instead "
                    "of %(email)s."
                )
                % {"email": link.old_email},
                _("Open this link to confirm it:") + f"\n{url}",
                _("It works once, for 24 hours. If you did not ask, ignore this email."),
            ),
        ),
        (
            link.old_email,
            _("Your Tellus email is about to change"),
            (
                _(
                    "Someone signed in to your Tellus account asked to change its email to "
                    "%(email)s. It changes only when the link sent there is opened."
                )
                % {"email": link.new_email},
                _(
                    "If this was not you, sign in and change your password under Security: that "
                    "cancels the change."
                ),
            ),
        ),
    )
    for to, subject, paragraphs in messages:
        _send(settings, to, subject, "\n\n".join(paragraphs) + "\n")


def send_changed_notice(*, settings: Settings, link: EmailChangeLink) -> None:
    """Tell the old address the change is made."""
    _ = (find_language(link.language) or ENGLISH).gettext
    text = "\n\n".join(
        (
            _("Your Tellus account now signs in with %(email)s instead of this address.")
            % {"email": link.new_email},
            _("If this was not you, tell whoever runs Tellus for your organisation at once."),
        )
    )
    _send(settings, link.old_email, _("Your Tellus email was changed"), text + "\n")


def _send(settings: Settings, to: str, subject: str, text: str) -> None:
    try:
        if not send_account_message(settings=settings, to=to, subject=subject, text=text):
            logger.warning("An account email was not sent: TELLUS_SMTP_URL is not set.")
    except MailError as error:
        logger.warning("An account email could not be sent: %s", error)
