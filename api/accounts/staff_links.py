"""Staff sign-in links: one-time, 15 minutes, for one staff membership. Emailed to the person
who asked for one, or shown by a manager as a QR code to scan; only the token's hash is kept."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.accounts.service import normalize_email
from api.config import Settings
from api.errors import Gone, NotFound
from api.i18n import ENGLISH, N_, find_language
from api.mail import MailError, send_account_message
from api.models import Employee, Membership, Organisation, Role, StaffSignIn, User, utcnow
from api.security import new_secret, sha256_hex

LINK_LIFETIME = timedelta(minutes=15)
NOT_VALID = N_(
    "This sign-in link no longer works: it was used already, or it is more than 15 minutes old. "
    "Ask for a new one."
)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffLink:
    """A new link's token (sent or shown once) and whom it signs in, where."""

    token: str
    email: str
    organisation_name: str
    language: str


def staff_link_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/staff/link/{token}"


def new_staff_link(*, session: Session, membership: Membership) -> str:
    """A new link for this staff membership; the caller commits."""
    token = new_secret(32)
    session.add(
        StaffSignIn(
            membership_id=membership.id,  # type: ignore[arg-type]
            token_hash=sha256_hex(token),
            expires_at=utcnow() + LINK_LIFETIME,
        )
    )
    return token


def request_staff_links(*, session: Session, email: str) -> list[StaffLink]:
    """A link for each organisation where this address is staff linked to an employee (none for
    an unknown address, and the caller answers the same). Commits."""
    rows = session.exec(
        select(Membership, Organisation, Employee, User)
        .join(User, col(User.id) == Membership.user_id)
        .join(Organisation, col(Organisation.id) == Membership.organisation_id)
        .join(Employee, col(Employee.id) == Membership.employee_id)
        .where(User.email == normalize_email(email), Membership.role == Role.staff)
        .where(col(Employee.active))
        .order_by(col(Membership.id))
    ).all()
    links = [
        StaffLink(
            token=new_staff_link(session=session, membership=membership),
            email=normalize_email(email),
            organisation_name=organisation.name,
            # The person's own language, else the one an owner gave the employee they are.
            language=user.language or employee.language or organisation.default_language,
        )
        for membership, organisation, employee, user in rows
    ]
    session.commit()
    return links


def open_staff_link(*, session: Session, token: str) -> tuple[StaffSignIn, User, Organisation]:
    """The link, its person and organisation: NotFound if there is none, Gone if it was used,
    ran out, its membership is no longer staff, or the employee it is was archived."""
    found = session.exec(
        select(StaffSignIn, Membership, User, Organisation)
        .join(Membership, col(Membership.id) == StaffSignIn.membership_id)
        .join(User, col(User.id) == Membership.user_id)
        .join(Organisation, col(Organisation.id) == Membership.organisation_id)
        .where(StaffSignIn.token_hash == sha256_hex(token))
    ).first()
    if found is None:
        raise NotFound(NOT_VALID)
    link, membership, user, organisation = found
    usable = link.used_at is None and link.expires_at > utcnow()
    if not usable or membership.role != Role.staff:
        raise Gone(NOT_VALID)
    employee = session.get(Employee, membership.employee_id) if membership.employee_id else None
    if employee is None or not employee.active:
        raise Gone(NOT_VALID)
    return link, user, organisation


def claim_staff_link(*, session: Session, link: StaffSignIn) -> None:
    """Mark the link used in one statement: two browsers posting it cannot both sign in. The
    caller commits (the sign-in gate does)."""
    claimed = session.execute(
        update(StaffSignIn)
        .where(
            col(StaffSignIn.id) == link.id,
            col(StaffSignIn.used_at).is_(None),
            col(StaffSignIn.expires_at) > utcnow(),
        )
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Gone(NOT_VALID)


def send_staff_link(*, settings: Settings, link: StaffLink) -> None:
    """Email the link through the installation's server, after the request's transaction. Without
    one, or if sending fails, it is only logged (without the link): a manager can show a QR code."""
    _ = (find_language(link.language) or ENGLISH).gettext
    url = staff_link_url(settings, link.token)
    text = "\n\n".join(
        (
            _("Someone (we hope you) asked to sign in to %(organisation)s on Tellus as staff.")
            % {"organisation": link.organisation_name},
            _("Open this link to sign in:") + f"\n{url}",
            _("It works once, for 15 minutes. If you did not ask, ignore this email."),
        )
    )
    subject = _("Your sign-in link for %(organisation)s") % {"organisation": link.organisation_name}
    try:
        sent = send_account_message(settings=settings, to=link.email, subject=subject, text=text)
    except MailError as error:
        logger.warning("A staff sign-in email could not be sent: %s", error)
        return
    if not sent:
        logger.warning(
            "A staff sign-in link was asked for, but TELLUS_SMTP_URL is not set: nothing was "
            "sent (a manager can show a sign-in QR code instead)."
        )
