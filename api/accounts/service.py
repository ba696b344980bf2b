"""Signing in: users, memberships, server-side sessions."""

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.accounts.passwords import check_new_password
from api.accounts.two_factor import is_enabled
from api.errors import Conflict, NotFound
from api.inbox.events import record_access_change
from api.models import (
    Membership,
    MembershipLocation,
    Organisation,
    PushSubscription,
    Role,
    User,
    UserSession,
    utcnow,
)
from api.security import hash_password, new_secret, sha256_hex, verify_password
from api.tenancy import Tenant


@dataclass(frozen=True)
class SignedIn:
    """A valid session: who, in which organisation, and the CSRF token of their forms."""

    user: User
    organisation: Organisation
    tenant: Tenant
    csrf_token: str
    session_id: str
    # Every organisation this person manages, for the switcher: (id, name).
    organisations: tuple[tuple[int, str], ...] = ()
    # The organisation requires two-factor sign-in and this person has not set it up yet.
    two_factor_missing: bool = False
    # A staff session: the employee this person is (None until an owner links one).
    employee_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.tenant.role == Role.staff

    @property
    def home(self) -> str:
        """Where this session's pages start."""
        return "/staff" if self.is_staff else "/inbox"

    @property
    def two_factor_required(self) -> bool:
        """The organisation asks this person for two-factor sign-in (staff only if it says so)."""
        organisation = self.organisation
        return organisation.require_two_factor and (
            organisation.require_two_factor_staff or not self.is_staff
        )


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(*, session: Session, email: str, password: str, display_name: str = "") -> User:
    """Add a user with an argon2id password hash."""
    email = normalize_email(email)
    check_new_password(password)
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict("A user with this email already exists.")
    user = User(email=email, display_name=display_name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def add_membership(
    *,
    session: Session,
    user: User,
    organisation: Organisation,
    role: Role,
    location_ids: frozenset[int] = frozenset(),
    employee_id: int | None = None,
) -> Membership:
    membership = Membership(
        user_id=user.id,  # type: ignore[arg-type]
        organisation_id=organisation.id,  # type: ignore[arg-type]
        role=role,
        employee_id=employee_id,
    )
    session.add(membership)
    session.flush()
    for location_id in location_ids:
        session.add(MembershipLocation(membership_id=membership.id, location_id=location_id))  # type: ignore[arg-type]
    return membership


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The user with this email and password, or None (in the same time either way)."""
    user = session.exec(select(User).where(User.email == normalize_email(email))).first()
    if not verify_password(user.password_hash if user else None, password):
        return None
    return user


def start_session(
    *,
    session: Session,
    user: User,
    lifetime: timedelta,
    second_factor: bool,
    organisation_id: int | None = None,
    replaces: str | None = None,
) -> tuple[str, UserSession] | None:
    """A new session with a fresh id; the cookie gets the token, the table its hash.

    Only the sign-in gate (api.accounts.gate) calls this: it alone knows whether a second factor was
    asked for. The session opens on `organisation_id` if the person belongs to it (a staff
    session where they are staff: a staff link or a staff invitation names it), else on the
    first organisation they manage; None if they manage none and none was named.
    """
    assert user.id is not None
    managed = [id_ for id_, _ in managed_organisations(session=session, user_id=user.id)]
    if organisation_id is not None and (
        organisation_id in managed
        or is_staff_of(session=session, user_id=user.id, organisation_id=organisation_id)
    ):
        chosen = organisation_id
    elif managed:
        chosen = min(managed)
    else:
        return None
    if replaces:
        session.execute(delete(UserSession).where(col(UserSession.id) == sha256_hex(replaces)))
    token = new_secret()
    row = UserSession(
        id=sha256_hex(token),
        user_id=user.id,
        organisation_id=chosen,
        csrf_token=new_secret(24),
        second_factor=second_factor,
        expires_at=utcnow() + lifetime,
    )
    session.add(row)
    session.commit()
    return token, row


def load_session(*, session: Session, token: str) -> SignedIn | None:
    """The signed-in user behind a cookie, or None if it expired, ended, lost its membership, or
    never passed the second factor that the account now has."""
    row = session.get(UserSession, sha256_hex(token))
    if row is None or row.expires_at < utcnow():
        return None
    found = session.exec(
        select(User, Membership, Organisation)
        .join(Membership, Membership.user_id == User.id)  # type: ignore[arg-type]
        .join(Organisation, Organisation.id == Membership.organisation_id)  # type: ignore[arg-type]
        .where(User.id == row.user_id, Membership.organisation_id == row.organisation_id)
    ).first()
    if found is None:
        return None
    user, membership, organisation = found
    two_factor_on = is_enabled(session=session, user_id=row.user_id)
    if two_factor_on and not row.second_factor:
        return None
    staff = membership.role == Role.staff
    signed_in = SignedIn(
        user=user,
        organisation=organisation,
        tenant=tenant_for(session=session, membership=membership),
        csrf_token=row.csrf_token,
        session_id=row.id,
        # A staff session opens one organisation's staff pages: no switcher.
        organisations=() if staff else managed_organisations(session=session, user_id=row.user_id),
        employee_id=membership.employee_id if staff else None,
    )
    if signed_in.two_factor_required and not two_factor_on:
        return replace(signed_in, two_factor_missing=True)
    return signed_in


def managed_organisations(*, session: Session, user_id: int) -> tuple[tuple[int, str], ...]:
    """The organisations a person can open the inbox of, by name."""
    rows = session.exec(
        select(Organisation.id, Organisation.name)
        .join(Membership, col(Membership.organisation_id) == Organisation.id)
        .where(Membership.user_id == user_id, Membership.role != Role.staff)
        .order_by(col(Organisation.name))
    ).all()
    return tuple((id_, name) for id_, name in rows if id_ is not None)


def is_staff_of(*, session: Session, user_id: int, organisation_id: int) -> bool:
    """Whether the person is staff (not a manager nor an owner) of this organisation."""
    role = session.exec(
        select(Membership.role).where(
            Membership.user_id == user_id, Membership.organisation_id == organisation_id
        )
    ).first()
    return role == Role.staff


def switch_organisation(*, session: Session, session_id: str, organisation_id: int) -> None:
    """Point a signed-in session at another organisation the person manages (else NotFound); a
    staff session stays where its link signed it in."""
    row = session.get(UserSession, session_id)
    if row is None or is_staff_of(
        session=session, user_id=row.user_id, organisation_id=row.organisation_id
    ):
        raise NotFound()
    managed = {id_ for id_, _ in managed_organisations(session=session, user_id=row.user_id)}
    if organisation_id not in managed:
        raise NotFound()
    row.organisation_id = organisation_id
    session.add(row)
    session.commit()


def manager_tenant(*, session: Session, user_id: int, organisation_id: int) -> Tenant | None:
    """The tenant of an owner or manager of the organisation; None once they are neither."""
    membership = session.exec(
        select(Membership)
        .where(Membership.user_id == user_id)
        .where(Membership.organisation_id == organisation_id)
    ).one_or_none()
    if membership is None or membership.role not in (Role.owner, Role.manager):
        return None
    return tenant_for(session=session, membership=membership)


def tenant_for(*, session: Session, membership: Membership) -> Tenant:
    location_ids = frozenset(
        session.exec(
            select(MembershipLocation.location_id).where(
                MembershipLocation.membership_id == membership.id
            )
        ).all()
    )
    limited = membership.role == Role.manager and bool(location_ids)
    return Tenant(
        organisation_id=membership.organisation_id,
        role=membership.role,
        user_id=membership.user_id,
        location_ids=location_ids if limited else None,
    )


def end_session(*, session: Session, token: str) -> None:
    """Sign out: the session row goes, so the cookie is worthless even if it was copied, and
    the streams it opened close."""
    row = session.get(UserSession, sha256_hex(token))
    if row is None:
        return
    session.delete(row)
    # The alerts this browser asked for while signed in stop with the session.
    session.execute(delete(PushSubscription).where(col(PushSubscription.session_id) == row.id))
    record_access_change(session=session, organisation_id=row.organisation_id, user_id=row.user_id)
    session.commit()


def end_sessions(
    *, session: Session, user_id: int, organisation_id: int | None = None, keep: str | None = None
) -> None:
    """End a person's sessions (in one organisation, or everywhere), all but the session `keep`,
    and close their open streams in every process. The caller commits."""
    statement = select(UserSession).where(UserSession.user_id == user_id)
    if organisation_id is not None:
        statement = statement.where(UserSession.organisation_id == organisation_id)
    rows = [row for row in session.exec(statement).all() if row.id != keep]
    for row in rows:
        session.delete(row)
    affected = {row.organisation_id for row in rows}
    if organisation_id is not None:
        affected.add(organisation_id)
    for affected_id in sorted(affected):
        record_access_change(session=session, organisation_id=affected_id, user_id=user_id)
    session.flush()


def keep_only_this_session(*, session: Session, user_id: int, session_id: str) -> None:
    """Two-factor sign-in was just turned on in this session: it counts as having passed the
    second factor, and the person's other sessions, which did not, end."""
    row = session.get(UserSession, session_id)
    if row is not None:
        row.second_factor = True
        session.add(row)
    end_sessions(session=session, user_id=user_id, keep=session_id)
    session.commit()
