"""The dashboard's figures for a request: the organisation's clock, the period, the filters."""

from datetime import datetime

from sqlmodel import Session

from api.analytics.figures import read_figures
from api.analytics.period import choose_period
from api.analytics.query import FigureQuery
from api.analytics.schemas import Figures
from api.analytics.topics import read_topics
from api.models import Organisation
from api.templating import zone_of
from api.tenancy import Tenant


def dashboard_figures(*, session: Session, tenant: Tenant, query: FigureQuery) -> Figures:
    """The figures of a range ending today (or custom days) on the organisation's clock."""
    organisation = session.get_one(Organisation, tenant.organisation_id)
    zone = zone_of(organisation.time_zone)
    period = choose_period(
        range_name=query.range_name,
        first=query.first,
        last=query.last,
        zone=zone,
        today=datetime.now(zone).date(),
    )
    figures = read_figures(session=session, tenant=tenant, period=period, filters=query.filters)
    if figures.hidden:
        return figures
    start, end = period.instants()
    topics = read_topics(
        session=session, tenant=tenant, filters=query.filters, start=start, end=end
    )
    return figures.model_copy(update={"topics": topics})
