"""The dashboard page and its tables as CSV (owners and managers; staff cannot sign in here)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.analytics.charts import distribution_bars, heat_level, series_chart
from api.analytics.query import FigureQueryDep
from api.analytics.service import dashboard_figures
from api.analytics.tables import WEEKDAYS, figure_tables, table_csv
from api.errors import AppError, NotFound
from api.setup.codes import list_codes
from api.setup.employees import list_employees
from api.setup.locations import list_locations
from api.templating import templates
from api.web.deps import CurrentManager, SessionDep

router = APIRouter(prefix="/analytics", include_in_schema=False)


@router.get("")
def analytics_page(
    request: Request, query: FigureQueryDep, manager: CurrentManager, session: SessionDep
) -> Response:
    """The dashboard: key figures, charts with their numbers, and tables."""
    tenant = manager.tenant
    visible = tenant.location_ids
    context: dict[str, Any] = {
        "manager": manager,
        "query": query,
        "locations": [
            location
            for location in list_locations(session=session, tenant=tenant, include_archived=True)
            if visible is None or location.id in visible
        ],
        "employees": list_employees(session=session, tenant=tenant),
        "codes": list_codes(session=session, tenant=tenant) if visible is None else [],
        "error": "",
        "figures": None,
    }
    status_code = 200
    try:
        figures = dashboard_figures(session=session, tenant=tenant, query=query)
    except NotFound:
        raise
    except AppError as error:
        context["error"] = error.message
        status_code = error.status_code
    else:
        most = max((max(row) for row in figures.heatmap_negative), default=0)
        context |= {
            "figures": figures,
            "tables": figure_tables(figures),
            "series_chart": series_chart(figures),
            "distribution": distribution_bars(figures),
            "heat_levels": [[heat_level(n, most) for n in row] for row in figures.heatmap_negative],
            "weekdays": WEEKDAYS,
        }
    return templates.TemplateResponse(
        request, "analytics/dashboard.html", context, status_code=status_code
    )


@router.get("/export.csv")
def analytics_csv(
    query: FigureQueryDep,
    manager: CurrentManager,
    session: SessionDep,
    table: Annotated[str, Query(max_length=20)] = "series",
) -> Response:
    """One of the dashboard's tables as CSV, for the same period and filters."""
    figures = dashboard_figures(session=session, tenant=manager.tenant, query=query)
    chosen = figure_tables(figures).get(table)
    if chosen is None:
        raise NotFound()
    filename = f"tellus-{table}-{figures.start}-{figures.end}.csv"
    return Response(
        table_csv(chosen),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
