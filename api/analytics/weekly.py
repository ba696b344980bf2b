"""What the owners' weekly summary reports: a Monday-to-Sunday week's figures beside the week
before, and its standout compliment and complaint."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.analytics.figures import FigureFilter, read_figures
from api.analytics.period import Period
from api.analytics.schemas import Figures
from api.models import Card, CardStatus, Organisation, PassOn, Role
from api.recognition.service import COMPLIMENT_MIN_RATING
from api.templating import zone_of
from api.tenancy import Tenant

NEGATIVE_MAX_RATING = 2


@dataclass(frozen=True)
class WeekSummary:
    figures: Figures
    compliment: Card | None
    complaint: Card | None


def week_before(today: date) -> date:
    """The Monday that starts the last whole week (Monday to Sunday) before `today`."""
    return today - timedelta(days=today.weekday() + 7)


def read_week(*, session: Session, organisation_id: int, monday: date) -> WeekSummary:
    """The week from `monday` on the organisation's clock, for its owners (every location)."""
    organisation = session.get_one(Organisation, organisation_id)
    period = Period(monday, monday + timedelta(days=6), zone_of(organisation.time_zone))
    tenant = Tenant(organisation_id=organisation_id, role=Role.owner)
    figures = read_figures(session=session, tenant=tenant, period=period, filters=FigureFilter())
    start, end = period.instants()
    week = (
        select(Card)
        .where(Card.organisation_id == organisation_id)
        .where(col(Card.created_at) >= start)
        .where(col(Card.created_at) < end)
        .where(col(Card.held).is_(False))
        .where(col(Card.status) != CardStatus.dismissed)
    )
    return WeekSummary(
        figures=figures,
        compliment=_standout_compliment(session, week),
        complaint=_standout_complaint(session, week),
    )


def _standout_compliment(session: Session, week: SelectOfScalar[Card]) -> Card | None:
    """The highest rated compliment, one passed on to its employee first, then the longest."""
    passed_on = select(PassOn.id).where(PassOn.card_id == Card.id).exists()
    return session.exec(
        week.where(col(Card.rating) >= COMPLIMENT_MIN_RATING).order_by(
            col(Card.rating).desc(),
            case((passed_on, 0), else_=1),
            func.length(Card.comment).desc(),
            col(Card.id),
        )
    ).first()


def _standout_complaint(session: Session, week: SelectOfScalar[Card]) -> Card | None:
    """The lowest rated complaint, one still unresolved first, then the longest."""
    return session.exec(
        week.where(col(Card.rating) <= NEGATIVE_MAX_RATING).order_by(
            col(Card.rating),
            case((col(Card.status) == CardStatus.resolved, 1), else_=0),
            func.length(Card.comment).desc(),
            col(Card.id),
        )
    ).first()
