"""The people of an organisation: owners, managers (optionally limited to locations) and staff."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from api.accounts.service import end_sessions
from api.errors import Conflict, NotFound, Unprocessable
from api.i18n import N_
from api.models import (
    Employee,
    Location,
    Membership,
    MembershipLocation,
    Organisation,
    PushSubscription,
    Role,
    User,
)
from api.people.schemas import MemberUpdate
from api.setup.locations import require_owner
from api.tenancy import Tenant, get_scoped

LAST_OWNER = N_("An organisation needs at least one owner: make someone else an owner first.")


@dataclass(frozen=True)
class Member:
    membership_id: int
    user_id: int
    email: str
    display_name: str
    role: Role
    location_ids: tuple[int, ...]
    employee_id: int | None
    joined_at: datetime


def list_members(*, session: Session, tenant: Tenant) -> list[Member]:
    """Everyone in the organisation, owners first, then by email."""
    require_owner(tenant)
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.organisation_id == tenant.organisation_id)
        .order_by(col(User.email))
    ).all()
    limits: dict[int, list[int]] = {}
    for membership_id, location_id in session.exec(
        select(MembershipLocation.membership_id, MembershipLocation.location_id).where(
            col(MembershipLocation.membership_id).in_([m.id for m, _ in rows])
        )
    ):
        limits.setdefault(membership_id, []).append(location_id)
    order = {Role.owner: 0, Role.manager: 1, Role.staff: 2}
    members = [
        Member(
            membership_id=membership.id,  # type: ignore[arg-type]
            user_id=user.id,  # type: ignore[arg-type]
            email=user.email,
            display_name=user.display_name,
            role=membership.role,
            location_ids=tuple(sorted(limits.get(membership.id or 0, []))),
            employee_id=membership.employee_id,
            joined_at=membership.created_at,
        )
        for membership, user in rows
    ]
    return sorted(members, key=lambda member: order[member.role])


def get_member(*, session: Session, tenant: Tenant, membership_id: int) -> Member:
    """One member of this organisation, or NotFound."""
    for member in list_members(session=session, tenant=tenant):
        if member.membership_id == membership_id:
            return member
    raise NotFound()


def own_location_ids(*, session: Session, tenant: Tenant, location_ids: list[int]) -> set[int]:
    """The given locations, all of them this organisation's (else Unprocessable)."""
    wanted = set(location_ids)
    found = set(
        session.exec(
            select(Location.id).where(
                Location.organisation_id == tenant.organisation_id, col(Location.id).in_(wanted)
            )
        ).all()
    )
    if found != wanted:
        raise Unprocessable(N_("Choose locations of this organisation."))
    return {id_ for id_ in found if id_ is not None}


def staff_employee_id(
    *,
    session: Session,
    tenant: Tenant,
    role: Role,
    employee_id: int | None,
    membership_id: int | None = None,
) -> int | None:
    """The employee a staff member is: required for staff, one of this organisation's active
    employees, linked to no other member. None for an owner or a manager."""
    if role != Role.staff:
        return None
    if employee_id is None:
        raise Unprocessable(N_("Choose the employee this staff member is."))
    employee = session.get(Employee, employee_id)
    if (
        employee is None
        or employee.organisation_id != tenant.organisation_id
        or not employee.active
    ):
        raise Unprocessable(N_("Choose an active employee of this organisation."))
    taken = session.exec(
        select(Membership.id).where(
            Membership.employee_id == employee_id, col(Membership.id) != membership_id
        )
    ).first()
    if taken is not None:
        raise Conflict(N_("This employee is already linked to another member."))
    return employee_id


def lock_organisation(session: Session, tenant: Tenant) -> None:
    """Serialise changes to who owns the organisation (a row lock on PostgreSQL; SQLite's write
    transaction already holds the whole database)."""
    session.exec(
        select(Organisation.id).where(Organisation.id == tenant.organisation_id).with_for_update()
    ).first()


def is_last_owner(session: Session, membership: Membership) -> bool:
    if membership.role != Role.owner:
        return False
    owners = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.organisation_id == membership.organisation_id,
            Membership.role == Role.owner,
        )
    ).one()
    return owners <= 1


def current_limits(session: Session, membership: Membership) -> set[int]:
    return set(
        session.exec(
            select(MembershipLocation.location_id).where(
                MembershipLocation.membership_id == membership.id
            )
        ).all()
    )


def set_limits(session: Session, membership: Membership, location_ids: set[int]) -> None:
    session.execute(
        delete(MembershipLocation).where(col(MembershipLocation.membership_id) == membership.id)
    )
    for location_id in location_ids:
        session.add(MembershipLocation(membership_id=membership.id, location_id=location_id))  # type: ignore[arg-type]


def update_member(
    *, session: Session, tenant: Tenant, membership_id: int, data: MemberUpdate
) -> Membership:
    """Change a member's role, location limits and (staff) employee; the last owner stays an
    owner."""
    require_owner(tenant)
    lock_organisation(session, tenant)
    membership = get_scoped(session, tenant, Membership, membership_id)
    limits = own_location_ids(session=session, tenant=tenant, location_ids=data.location_ids)
    if data.role != Role.owner and is_last_owner(session, membership):
        session.rollback()
        raise Conflict(LAST_OWNER)
    employee_id = staff_employee_id(
        session=session,
        tenant=tenant,
        role=data.role,
        employee_id=data.employee_id,
        membership_id=membership.id,
    )
    new_limits = limits if data.role == Role.manager else set()
    changed = (
        membership.role != data.role
        or new_limits != current_limits(session, membership)
        or membership.employee_id != employee_id
    )
    membership.role = data.role
    membership.employee_id = employee_id
    session.add(membership)
    set_limits(session, membership, new_limits)
    if changed:
        # Signed in under the old role: those sessions and their open streams end now.
        end_sessions(
            session=session, user_id=membership.user_id, organisation_id=tenant.organisation_id
        )
    session.commit()
    return membership


def remove_member(*, session: Session, tenant: Tenant, membership_id: int) -> None:
    """Take someone out of the organisation; their sessions in it end at once."""
    require_owner(tenant)
    lock_organisation(session, tenant)
    membership = get_scoped(session, tenant, Membership, membership_id)
    if is_last_owner(session, membership):
        session.rollback()
        raise Conflict(LAST_OWNER)
    end_sessions(
        session=session, user_id=membership.user_id, organisation_id=tenant.organisation_id
    )
    session.execute(
        delete(PushSubscription).where(
            col(PushSubscription.user_id) == membership.user_id,
            col(PushSubscription.organisation_id) == tenant.organisation_id,
        )
    )
    set_limits(session, membership, set())
    session.delete(membership)
    session.commit()
