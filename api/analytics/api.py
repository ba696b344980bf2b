"""The figures as JSON: GET /api/v1/analytics."""

from fastapi import APIRouter

from api.analytics.query import FigureQueryDep
from api.analytics.schemas import Figures
from api.analytics.service import dashboard_figures
from api.errors import error_responses
from api.web.deps import ApiTenant, SessionDep

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])


@router.get("", responses=error_responses(401, 404, 422))
def read_analytics(query: FigureQueryDep, tenant: ApiTenant, session: SessionDep) -> Figures:
    """The dashboard's figures for a period, beside the previous period of the same length.

    Days are on the organisation's clock; response times are minutes, read as "within"
    (the edge of a histogram bin); an employee's figures show only from `employee_minimum`
    cards in the period.
    """
    return dashboard_figures(session=session, tenant=tenant, query=query)
