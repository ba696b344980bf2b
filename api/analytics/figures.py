"""The figures an owner reads, from the summary tables (api.analytics.summaries)."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, select
from sqlmodel import Session

from api.analytics.period import Period
from api.analytics.reading import (
    Ratings,
    group_rows,
    heatmaps,
    percentile,
    series_of,
    totals_of,
    trend_of,
)
from api.analytics.schemas import Figures
from api.errors import NotFound
from api.models import (
    AlertSettings,
    AnalyticsBucket,
    AnalyticsResponse,
    Code,
    Employee,
    Location,
)
from api.tenancy import Tenant

# An employee's figures show only from this many cards in the period, however narrowed.
EMPLOYEE_MINIMUM = 5
BUCKETS: Table = AnalyticsBucket.__table__  # type: ignore[attr-defined]
RESPONSES: Table = AnalyticsResponse.__table__  # type: ignore[attr-defined]
RATING_SUMS = [func.sum(BUCKETS.c[f"rating_{n}"]) for n in range(1, 6)]


@dataclass(frozen=True)
class FigureFilter:
    location_id: int | None = None
    employee_id: int | None = None
    code_id: int | None = None


def check_filter(*, session: Session, tenant: Tenant, filters: FigureFilter) -> None:
    """A location, employee or code of another organisation, or a location this manager
    cannot see, is a 404, as for one that does not exist."""
    for model, id_ in (
        (Location, filters.location_id),
        (Employee, filters.employee_id),
        (Code, filters.code_id),
    ):
        if id_ is None:
            continue
        row: Any = session.get(model, id_)
        if row is None or row.organisation_id != tenant.organisation_id:
            raise NotFound()
    if filters.location_id is not None and tenant.location_ids is not None:
        if filters.location_id not in tenant.location_ids:
            raise NotFound()


def where(table: Table, tenant: Tenant, filters: FigureFilter, first: int, end: int) -> Any:
    """The rows of this tenant's summaries in [first, end) that the filters keep."""
    conditions: list[ColumnElement[bool]] = [
        table.c.organisation_id == tenant.organisation_id,
        table.c.quarter >= first,
        table.c.quarter < end,
    ]
    if tenant.location_ids is not None:
        conditions.append(table.c.location_id.in_(sorted(tenant.location_ids)))
    for name in ("location_id", "employee_id", "code_id"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(table.c[name] == value)
    return and_(*conditions)


def read_figures(
    *, session: Session, tenant: Tenant, period: Period, filters: FigureFilter
) -> Figures:
    """The period's figures and the previous period's, for what this tenant may see."""
    check_filter(session=session, tenant=tenant, filters=filters)
    first, end = period.quarters()
    previous = period.previous()
    previous_first, _ = previous.quarters()
    escalation = session.get(AlertSettings, tenant.organisation_id)
    escalation_minutes = escalation.escalation_minutes if escalation else 10

    by_quarter: dict[int, tuple[Ratings, int, int]] = {}
    for quarter, *sums in session.connection().execute(
        select(
            BUCKETS.c.quarter,
            *RATING_SUMS,
            func.sum(BUCKETS.c.replies),
            func.sum(BUCKETS.c.passed_on),
        )
        .where(where(BUCKETS, tenant, filters, previous_first, end))
        .group_by(BUCKETS.c.quarter)
    ):
        counts = [int(value or 0) for value in sums]
        by_quarter[quarter] = (tuple(counts[:5]), counts[5], counts[6])  # type: ignore[assignment]

    # Response histograms: current or previous period, location, employee, step, bin.
    responses: Counter[tuple[bool, int, int, str, int]] = Counter()
    # One named parameter in SELECT and GROUP BY: PostgreSQL sees the same expression.
    is_current = RESPONSES.c.quarter >= bindparam("first", first)
    for current, location_id, employee_id, step, minutes, cards in session.connection().execute(
        select(
            is_current,
            RESPONSES.c.location_id,
            RESPONSES.c.employee_id,
            RESPONSES.c.step,
            RESPONSES.c.minutes,
            func.sum(RESPONSES.c.cards),
        )
        .where(where(RESPONSES, tenant, filters, previous_first, end))
        .group_by(
            is_current,
            RESPONSES.c.location_id,
            RESPONSES.c.employee_id,
            RESPONSES.c.step,
            RESPONSES.c.minutes,
        )
    ):
        responses[(bool(current), location_id, employee_id, step, minutes)] += int(cards)

    current_quarters = {q: v for q, v in by_quarter.items() if q >= first}
    previous_quarters = {q: v for q, v in by_quarter.items() if q < first}
    current = totals_of(current_quarters, responses, True, escalation_minutes)
    series, step = series_of(current_quarters, period)
    locations = _group(session, tenant, filters, first, end, "location_id", responses)
    employees = _group(session, tenant, filters, first, end, "employee_id", responses)
    hidden = filters.employee_id is not None and current.cards < EMPLOYEE_MINIMUM
    heatmap, heatmap_negative = heatmaps(current_quarters, period)
    figures = Figures(
        start=period.start,
        end=period.end,
        previous_start=previous.start,
        previous_end=previous.end,
        time_zone=str(period.zone),
        escalation_minutes=escalation_minutes,
        employee_minimum=EMPLOYEE_MINIMUM,
        hidden=hidden,
        current=current,
        previous=totals_of(previous_quarters, responses, False, escalation_minutes),
        step=step,
        series=series,
        trend=trend_of(series),
        heatmap=heatmap,
        heatmap_negative=heatmap_negative,
        locations=locations,
        employees=employees,
    )
    if hidden:
        # One employee's figures under the minimum: nothing that would tell them apart.
        return hide_all(figures)
    return figures


def _group(
    session: Session,
    tenant: Tenant,
    filters: FigureFilter,
    first: int,
    end: int,
    column: str,
    responses: Counter[tuple[bool, int, int, str, int]],
) -> list[Any]:
    rows = (
        session.connection()
        .execute(
            select(BUCKETS.c[column], *RATING_SUMS)
            .where(where(BUCKETS, tenant, filters, first, end))
            .group_by(BUCKETS.c[column])
        )
        .all()
    )
    ids = [row[0] for row in rows if row[0]]
    model: Any = Location if column == "location_id" else Employee
    name_column: Any = model.name if model is Location else model.display_name
    names = dict(session.exec(select(model.id, name_column).where(model.id.in_(ids))).all())  # type: ignore[call-overload]
    position = 1 if column == "location_id" else 2
    histograms: dict[int, dict[str, Counter[int]]] = {}
    for (is_current, *keys, step, minutes), cards in responses.items():
        if is_current:
            bins = histograms.setdefault(keys[position - 1], {}).setdefault(step, Counter())
            bins[minutes] += cards
    minimum = EMPLOYEE_MINIMUM if column == "employee_id" else 0
    return group_rows(
        [
            (row[0], names.get(row[0], ""), tuple(int(v or 0) for v in row[1:]))
            for row in rows
            if row[0]
        ],
        histograms,
        minimum,
    )


def hide_all(figures: Figures) -> Figures:
    empty = totals_of({}, Counter(), True, figures.escalation_minutes)
    return figures.model_copy(
        update={
            "current": empty,
            "previous": empty,
            "series": [],
            "trend": None,
            "heatmap": [[0] * 24 for _ in range(7)],
            "heatmap_negative": [[0] * 24 for _ in range(7)],
            "locations": [],
            "employees": [],
        }
    )


__all__ = ["EMPLOYEE_MINIMUM", "FigureFilter", "percentile", "read_figures"]
