"""What a staff member sees of recognition: their own certificates, and the organisation's
leaderboard when its owners let staff see it."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from api.alerts.routing import organisation_zone
from api.models import Employee, Organisation
from api.recognition.certificates import employee_certificates
from api.recognition.leaderboard import Standing, staff_leaderboard
from api.recognition.periods import Period, last_days


@dataclass(frozen=True)
class OwnCertificate:
    id: int
    first_day: date
    period_text: str
    compliments: int
    signed_by: str


@dataclass(frozen=True)
class StaffLeaderboard:
    period_text: str
    standings: list[Standing]
    minimum: int


def own_certificates(
    *, session: Session, employee: Employee, language_tag: str
) -> list[OwnCertificate]:
    """The employee's certificates, the latest period first, the period written the reader's way."""
    return [
        OwnCertificate(
            id=certificate.id or 0,
            first_day=certificate.starts_on,
            period_text=Period(certificate.starts_on, certificate.ends_on).describe(language_tag),
            compliments=certificate.compliments,
            signed_by=certificate.signed_by_name,
        )
        for certificate in employee_certificates(session=session, employee_id=employee.id or 0)
    ]


def own_leaderboard(
    *, session: Session, organisation: Organisation, language_tag: str
) -> StaffLeaderboard | None:
    """The last 30 days' standings on the organisation's wall clock, or None while the owners
    keep the leaderboard to managers."""
    today = datetime.now(UTC).astimezone(organisation_zone(organisation)).date()
    period = last_days(today)
    standings = staff_leaderboard(
        session=session, organisation_id=organisation.id or 0, period=period
    )
    if standings is None:
        return None
    return StaffLeaderboard(
        period_text=period.describe(language_tag),
        standings=standings,
        minimum=organisation.leaderboard_minimum,
    )
