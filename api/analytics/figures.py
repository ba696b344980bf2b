"""The figures an owner reads, from the summary tables (api.analytics.summaries)."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, select, union_all
from sqlmodel import Session

from api.analytics.period import Period
from api.analytics.reading import (
    Hours,
    Ratings,
    group_rows,
    heatmaps,
    percentile,
    series_of,
    totals_of,
    trend_of,
)
from api.analytics.schemas import Figures
from api.analytics.summaries import HOUR, SPANS_OF
from api.errors import NotFound
from api.models import (
    AlertSettings,
    AnalyticsBucket,
    AnalyticsResponse,
    AnalyticsSpan,
    AnalyticsSpanResponse,
    Code,
    Employee,
    Location,
)
from api.tenancy import Tenant

# An employee's figures show only from this many cards in the period, however narrowed.
EMPLOYEE_MINIMUM = 5
BUCKETS: Table = AnalyticsBucket.__table__  # type: ignore[attr-defined]
RESPONSES: Table = AnalyticsResponse.__table__  # type: ignore[attr-defined]
BLOCKS: Table = AnalyticsSpan.__table__  # type: ignore[attr-defined]
SPAN_TABLES: dict[str, tuple[Table, Table, tuple[int, ...]]] = {
    "buckets": (BUCKETS, BLOCKS, SPANS_OF[AnalyticsBucket]),
    "responses": (
        RESPONSES,
        AnalyticsSpanResponse.__table__,  # type: ignore[attr-defined]
        SPANS_OF[AnalyticsResponse],
    ),
}
COUNTS = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "replies", "passed_on")
EPOCH = datetime(1970, 1, 1)
AN_HOUR = timedelta(hours=1)
RATINGS = [f"rating_{n}" for n in range(1, 6)]


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


def pieces(first: int, end: int, spans: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """The quarter-hours [first, end) as (span, from, to): whole blocks of the longest of
    `spans` that fits, then of shorter ones towards the two ends, and single quarter-hours
    (span 1)."""
    found: list[tuple[int, int, int]] = []

    def cover(low: int, high: int, spans: tuple[int, ...]) -> None:
        if low >= high:
            return
        if not spans:
            found.append((1, low, high))
            return
        span = spans[-1]
        inner_low, inner_high = -(-low // span) * span, high // span * span
        if inner_low >= inner_high:
            cover(low, high, spans[:-1])
            return
        cover(low, inner_low, spans[:-1])
        found.append((span, inner_low, inner_high))
        cover(inner_high, high, spans[:-1])

    cover(first, end, spans)
    return found


def summed(
    session: Session,
    kind: str,
    tenant: Tenant,
    filters: FigureFilter,
    period: tuple[int, int],
    keys: tuple[str, ...],
    counts: tuple[str, ...],
) -> dict[tuple[Any, ...], list[int]]:
    """The counts of a period's summaries per `keys`: whole blocks where they fit, shorter ones
    and quarter-hours at the ends, summed by the database in one query."""
    quarters, blocks, spans = SPAN_TABLES[kind]
    parts = []
    for span, first, end in pieces(*period, spans):
        table = quarters if span == 1 else blocks
        condition = where(table, tenant, filters, first, end)
        if span > 1:
            condition = and_(condition, table.c.span == span)
        parts.append(select(*(table.c[name] for name in (*keys, *counts))).where(condition))
    if not parts:
        return {}
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    statement = select(
        *(rows.c[name] for name in keys), *(func.sum(rows.c[name]) for name in counts)
    ).group_by(*(rows.c[name] for name in keys))
    return {
        tuple(row[: len(keys)]): [int(value or 0) for value in row[len(keys) :]]
        for row in session.connection().execute(statement)
    }


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

    current_period, previous_period = (first, end), (previous_first, first)
    places = {
        is_current: summed(
            session, "buckets", tenant, filters, quarters, ("location_id", "employee_id"), COUNTS
        )
        for is_current, quarters in ((True, current_period), (False, previous_period))
    }
    # Response histograms: current or previous period, location, employee, step, bin.
    responses: Counter[tuple[bool, int, int, str, int]] = Counter()
    for is_current, quarters in ((True, current_period), (False, previous_period)):
        keys = ("location_id", "employee_id", "step", "minutes")
        for key, (cards,) in summed(
            session, "responses", tenant, filters, quarters, keys, ("cards",)
        ).items():
            responses[(is_current, *key)] += cards

    hours = local_hours(session, tenant, filters, period, (first, end))
    current = totals_of(whole(places[True]), responses, True, escalation_minutes)
    series, step = series_of(hours, period)
    locations = _group(session, places[True], "location_id", responses)
    employees = _group(session, places[True], "employee_id", responses)
    hidden = filters.employee_id is not None and current.cards < EMPLOYEE_MINIMUM
    heatmap, heatmap_negative = heatmaps(hours)
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
        previous=totals_of(whole(places[False]), responses, False, escalation_minutes),
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


def local_hours(
    session: Session,
    tenant: Tenant,
    filters: FigureFilter,
    period: Period,
    quarters: tuple[int, int],
) -> Hours:
    """Cards by rating per hour on the organisation's clock, for the series and the heatmap:
    summed by the database for each stretch of one UTC offset, from the hour blocks where the
    offset is whole hours (a UTC hour is then a local one) and from quarter-hours elsewhere."""
    hours: Hours = {}
    for first, end, offset in period.clocks(*quarters):
        spans = (HOUR,) if offset % HOUR == 0 else ()
        for span, low, high in pieces(first, end, spans):
            table = BLOCKS if span == HOUR else BUCKETS
            condition = where(table, tenant, filters, low, high)
            if span == HOUR:
                condition = and_(condition, table.c.span == HOUR)
            if span == HOUR or offset != int(offset):
                # An hour block is one local hour: grouped in the primary key's order. (An
                # offset of no whole quarter-hours, before 1980 in a few zones, is rare.)
                key: ColumnElement[Any] = table.c.quarter
            else:  # local quarter-hours since the epoch, four to the hour
                key = (table.c.quarter + int(offset)) // HOUR
            sums = [func.sum(table.c[name]) for name in RATINGS]
            for value, *counts in session.connection().execute(
                select(key, *sums).where(condition).group_by(key)
            ):
                if span == HOUR:
                    hour = (value + int(offset)) // HOUR
                elif offset == int(offset):
                    hour = value
                else:
                    hour = (period.local(value).replace(tzinfo=None) - EPOCH) // AN_HOUR
                total = hours.get(hour)
                if total is None:
                    hours[hour] = [int(count or 0) for count in counts]
                else:
                    for index, count in enumerate(counts):
                        total[index] += int(count or 0)
    return hours


def whole(places: dict[tuple[Any, ...], list[int]]) -> dict[int, tuple[Ratings, int, int]]:
    """All places' counts as one entry, for totals_of."""
    counts = [sum(column) for column in zip(*places.values(), strict=True)] or [0] * len(COUNTS)
    return {0: (tuple(counts[:5]), counts[5], counts[6])}  # type: ignore[dict-item]


def _group(
    session: Session,
    places: dict[tuple[Any, ...], list[int]],
    column: str,
    responses: Counter[tuple[bool, int, int, str, int]],
) -> list[Any]:
    position = 1 if column == "location_id" else 2
    ratings: dict[int, list[int]] = {}
    for key, counts in places.items():
        # Cards of no place count in a row of their own (id 0); cards naming nobody do not.
        if key[position - 1] or column == "location_id":
            total = ratings.setdefault(key[position - 1], [0] * 5)
            for index in range(5):
                total[index] += counts[index]
    model: Any = Location if column == "location_id" else Employee
    name_column: Any = model.name if model is Location else model.display_name
    names = dict(
        session.exec(select(model.id, name_column).where(model.id.in_(list(ratings)))).all()  # type: ignore[call-overload]
    )
    histograms: dict[int, dict[str, Counter[int]]] = {}
    for (is_current, *keys, step, minutes), cards in responses.items():
        if is_current:
            bins = histograms.setdefault(keys[position - 1], {}).setdefault(step, Counter())
            bins[minutes] += cards
    minimum = EMPLOYEE_MINIMUM if column == "employee_id" else 0
    # The cards of no place come from badges: a row of few of them would be one person's.
    return group_rows(
        [(id_, names.get(id_, ""), tuple(counts)) for id_, counts in ratings.items()],
        histograms,
        minimum,
        unnamed_minimum=EMPLOYEE_MINIMUM,
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
