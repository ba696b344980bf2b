"""Invitations: a one-time, expiring link to join an organisation, emailed or passed on by hand."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.accounts.service import add_membership, authenticate, create_user
from api.config import Settings
from api.errors import Conflict, Gone, NotFound
from api.i18n import ENGLISH, N_, Language, find_language
from api.mail import MailError, build_message, send_message, server_for
from api.models import Invitation, Membership, Organisation, Role, User, utcnow
from api.people.schemas import InvitationIn
from api.people.service import own_location_ids, staff_employee_id
from api.security import new_secret, sha256_hex
from api.setup.locations import require_owner
from api.templating import written_moment
from api.tenancy import Tenant, get_scoped, scoped

INVITATION_DAYS = 7
NOT_VALID = N_("This invitation link is not valid. Ask for a new one.")
NO_LONGER_VALID = N_(
    "This invitation link can no longer be used: it was used already, withdrawn or is more than "
    "7 days old. Ask whoever invited you for a new one."
)

WRONG_PASSWORD = N_("That is not the password of the account with this email.")
ALREADY_MEMBER = N_("You already belong to this organisation: sign in instead.")


class WrongPassword(Conflict):
    """The email has an account, and this is not its password."""

    status_code = 400
    title = WRONG_PASSWORD


@dataclass(frozen=True)
class Delivery:
    """How the link reaches the person: emailed, or `link` to show the owner this once."""

    invitation: Invitation
    emailed: bool
    link: str | None = None
    mail_error: str | None = None


# As the invitation's email names them: "… as a manager".
ROLE_NAMES = {
    Role.owner: N_("an owner"),
    Role.manager: N_("a manager"),
    Role.staff: N_("a member of staff"),
}


def invitation_language(invitation: Invitation, organisation: Organisation) -> Language:
    """What the invitation is written in: the inviter's choice, else the organisation's default."""
    return find_language(invitation.language, organisation.default_language) or ENGLISH


def invitation_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/invitations/{token}"


def create_invitation(
    *, session: Session, tenant: Tenant, data: InvitationIn
) -> tuple[str, Invitation]:
    """A new invitation; the token (256 random bits) is returned once, only its hash is kept."""
    require_owner(tenant)
    member = session.exec(
        select(Membership.id)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.organisation_id == tenant.organisation_id, User.email == data.email)
    ).first()
    if member is not None:
        raise Conflict(
            N_("%(email)s is already a member of this organisation."), params={"email": data.email}
        )
    limits = own_location_ids(session=session, tenant=tenant, location_ids=data.location_ids)
    employee_id = staff_employee_id(
        session=session, tenant=tenant, role=data.role, employee_id=data.employee_id
    )
    now = utcnow()
    # A new invitation replaces any still open for the same address.
    session.execute(
        update(Invitation)
        .where(
            col(Invitation.organisation_id) == tenant.organisation_id,
            col(Invitation.email) == data.email,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    token = new_secret(32)
    invitation = Invitation(
        organisation_id=tenant.organisation_id,
        email=data.email,
        role=data.role,
        location_ids=sorted(limits) if data.role == Role.manager else [],
        employee_id=employee_id,
        token_hash=sha256_hex(token),
        language=data.language,
        invited_by_id=tenant.user_id,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.commit()
    return token, invitation


def deliver_invitation(
    *, session: Session, settings: Settings, token: str, invitation: Invitation
) -> Delivery:
    """Email the link when a mail server is set; otherwise (or if sending fails) hand it back."""
    link = invitation_link(settings, token)
    server = server_for(
        session=session, organisation_id=invitation.organisation_id, settings=settings
    )
    if server is None:
        return Delivery(invitation=invitation, emailed=False, link=link)
    organisation = session.get(Organisation, invitation.organisation_id)
    assert organisation is not None
    language = invitation_language(invitation, organisation)
    _ = language.gettext
    names = {"org": organisation.name, "role": _(ROLE_NAMES[invitation.role])}
    expires = written_moment(invitation.expires_at, organisation.time_zone, language.tag)
    text = "\n\n".join(
        (
            _("You are invited to join %(org)s on Tellus as %(role)s.") % names,
            _("Open this link to choose your password and sign in:") + f"\n{link}",
            _("It works once, until %(time)s. If you did not expect it, ignore this email.")
            % {"time": f"{expires} ({organisation.time_zone})"},
        )
    )
    message = build_message(
        server=server,
        to=invitation.email,
        subject=_("You are invited to %(org)s on Tellus") % names,
        text=text + "\n",
    )
    # End the transaction first: on SQLite a write session holds the database's write lock, which
    # must not wait on a slow mail server.
    session.commit()
    try:
        send_message(server, message)
    except MailError as error:
        return Delivery(invitation=invitation, emailed=False, link=link, mail_error=str(error))
    return Delivery(invitation=invitation, emailed=True)


def list_invitations(*, session: Session, tenant: Tenant) -> list[Invitation]:
    """Invitations not yet accepted nor revoked (expired ones too, marked by their date)."""
    require_owner(tenant)
    return list(
        session.exec(
            scoped(tenant, Invitation)
            .where(col(Invitation.accepted_at).is_(None), col(Invitation.revoked_at).is_(None))
            .order_by(col(Invitation.id).desc())
        ).all()
    )


def revoke_invitation(*, session: Session, tenant: Tenant, invitation_id: int) -> Invitation:
    """Withdraw an invitation: its link stops working at once."""
    require_owner(tenant)
    invitation = get_scoped(session, tenant, Invitation, invitation_id)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        session.add(invitation)
        session.commit()
    return invitation


def open_invitation(*, session: Session, token: str) -> Invitation:
    """The invitation behind a link: NotFound if there is none, Gone if it cannot be used."""
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == sha256_hex(token))
    ).first()
    if invitation is None:
        raise NotFound(NOT_VALID)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= utcnow():
        raise Gone(NO_LONGER_VALID)
    return invitation


def existing_user(*, session: Session, invitation: Invitation) -> User | None:
    return session.exec(select(User).where(User.email == invitation.email)).first()


def account_for(
    *, session: Session, invitation: Invitation, password: str, display_name: str
) -> User:
    """The existing account, if its password is right, or a new one with this password."""
    user = existing_user(session=session, invitation=invitation)
    if user is None:
        return create_user(
            session=session,
            email=invitation.email,
            password=password,
            display_name=display_name.strip()[:80],
        )
    if authenticate(session=session, email=invitation.email, password=password) is None:
        raise WrongPassword(WRONG_PASSWORD)
    already = session.exec(
        select(Membership.id).where(
            Membership.user_id == user.id, Membership.organisation_id == invitation.organisation_id
        )
    ).first()
    if already is not None:
        raise Conflict(ALREADY_MEMBER)
    return user


def claim(session: Session, invitation: Invitation) -> None:
    """Mark the invitation used in one statement: two browsers posting it cannot both get in."""
    claimed = session.execute(
        update(Invitation)
        .where(
            col(Invitation.id) == invitation.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(accepted_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Gone(NO_LONGER_VALID)


def accept_invitation(
    *, session: Session, token: str, password: str, display_name: str = ""
) -> tuple[User, Invitation]:
    """Use the link once: a new account (or the existing one, by its password) joins."""
    invitation = open_invitation(session=session, token=token)
    user = account_for(
        session=session, invitation=invitation, password=password, display_name=display_name
    )
    claim(session, invitation)
    organisation = session.get(Organisation, invitation.organisation_id)
    assert organisation is not None
    tenant = Tenant(organisation_id=invitation.organisation_id, role=Role.owner)
    limits = own_location_ids(session=session, tenant=tenant, location_ids=invitation.location_ids)
    # Checked again: the employee may have been linked to someone else, or left, since.
    employee_id = staff_employee_id(
        session=session, tenant=tenant, role=invitation.role, employee_id=invitation.employee_id
    )
    add_membership(
        session=session,
        user=user,
        organisation=organisation,
        role=invitation.role,
        location_ids=frozenset(limits),
        employee_id=employee_id,
    )
    session.commit()
    return user, invitation
