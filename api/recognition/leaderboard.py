"""The compliments leaderboard: who was thanked most over a period.

Only compliments a manager passed on count, so a card nobody checked (an employee scanning
their own badge, a friend's five stars) never ranks anyone. Negative cards never appear, nobody
with fewer than the organisation's minimum is shown, and equal counts share a rank.
"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.alerts.routing import organisation_zone
from api.errors import Unprocessable
from api.i18n import N_
from api.models import Card, Employee, Organisation, PassOn, Role
from api.recognition.periods import Period
from api.recognition.service import COMPLIMENT_MIN_RATING
from api.setup.locations import require_owner
from api.tenancy import Tenant, scoped

MINIMUM_MAX = 100


class BadMinimum(Unprocessable):
    title = N_("The minimum is a whole number of compliments from 1 to 100.")


class NobodyToThank(Unprocessable):
    title = N_("Nobody is on this period's leaderboard yet.")


@dataclass(frozen=True)
class Standing:
    """One person's place: their rank (shared with anyone on the same count) and count."""

    rank: int
    employee_id: int
    name: str
    compliments: int


def passed_on_counts(
    *, session: Session, tenant: Tenant, period: Period, employee_id: int | None = None
) -> dict[int, int]:
    """Passed-on compliments per active employee over the period, by the day the customer
    sent them; a manager limited to some locations counts only theirs."""
    organisation = session.get_one(Organisation, tenant.organisation_id)
    start, end = period.bounds(organisation_zone(organisation))
    statement = (
        select(PassOn.employee_id, func.count(col(Card.id)))
        .select_from(Card)
        .join(PassOn, col(PassOn.card_id) == Card.id)
        .join(Employee, col(Employee.id) == PassOn.employee_id)
        # The tenancy layer's conditions: the organisation, and a limited manager's locations.
        .where(scoped(tenant, Card).whereclause)  # type: ignore[arg-type]
        .where(col(Employee.active))
        .where(col(Card.rating) >= COMPLIMENT_MIN_RATING)
        .where(col(Card.created_at) >= start)
        .where(col(Card.created_at) < end)
        .group_by(col(PassOn.employee_id))
    )
    if employee_id is not None:
        statement = statement.where(PassOn.employee_id == employee_id)
    return {int(id_): int(count) for id_, count in session.exec(statement).all() if id_}


def rank(counts: dict[int, int], names: dict[int, str], minimum: int) -> list[Standing]:
    """Standings from counts: most first, names alphabetical within a count; a tie shares the
    rank and the next count's rank skips past it (1, 1, 3)."""
    shown = sorted(
        ((count, names[id_].casefold(), id_) for id_, count in counts.items() if count >= minimum),
        key=lambda row: (-row[0], row[1], row[2]),
    )
    standings: list[Standing] = []
    for position, (count, _, id_) in enumerate(shown, start=1):
        same = standings and standings[-1].compliments == count
        place = standings[-1].rank if same else position
        standings.append(Standing(place, id_, names[id_], count))
    return standings


def leaderboard(*, session: Session, tenant: Tenant, period: Period) -> list[Standing]:
    """The period's standings as this tenant may see them, at the organisation's minimum."""
    organisation = session.get_one(Organisation, tenant.organisation_id)
    counts = passed_on_counts(session=session, tenant=tenant, period=period)
    names = {
        row.id: row.display_name
        for row in session.exec(scoped(tenant, Employee).where(col(Employee.id).in_(counts)))
        if row.id is not None
    }
    return rank(counts, names, organisation.leaderboard_minimum)


def staff_leaderboard(
    *, session: Session, organisation_id: int, period: Period
) -> list[Standing] | None:
    """What a staff member of the organisation sees: the whole organisation's standings, or
    None while the owners keep the leaderboard to managers."""
    organisation = session.get_one(Organisation, organisation_id)
    if not organisation.leaderboard_for_staff:
        return None
    return leaderboard(
        session=session,
        tenant=Tenant(organisation_id=organisation_id, role=Role.staff),
        period=period,
    )


def save_leaderboard_settings(
    *, session: Session, tenant: Tenant, for_staff: bool, minimum: int
) -> Organisation:
    """An owner's choice: whether staff see the leaderboard, and its minimum."""
    require_owner(tenant)
    if not 1 <= minimum <= MINIMUM_MAX:
        raise BadMinimum()
    organisation = session.get_one(Organisation, tenant.organisation_id)
    organisation.leaderboard_for_staff = for_staff
    organisation.leaderboard_minimum = minimum
    session.add(organisation)
    session.commit()
    return organisation
