"""Turning summary rows into figures: totals, percentiles, series, the heatmap, tables."""

import math
from collections import Counter
from datetime import date, timedelta

from api.analytics.period import Period
from api.analytics.schemas import GroupRow, SeriesPoint, Totals
from api.analytics.summaries import ACKNOWLEDGED, RESOLVED

Ratings = tuple[int, int, int, int, int]
Quarters = dict[int, tuple[Ratings, int, int]]
Responses = Counter[tuple[bool, int, int, str, int]]
# Cards by rating per hour on the organisation's clock: hours since 1970-01-01 00:00 local.
Hours = dict[int, list[int]]
LOCAL_EPOCH = date(1970, 1, 1)
EPOCH_WEEKDAY = LOCAL_EPOCH.weekday()
WEEKLY_FROM_DAYS = 92


def percentile(bins: Counter[int], share: float) -> int | None:
    """The nearest-rank percentile of a histogram: the edge of the bin holding that rank."""
    total = sum(bins.values())
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for minutes in sorted(bins):
        seen += bins[minutes]
        if seen >= rank:
            return minutes
    return None  # pragma: no cover - the ranks always end within the bins


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def average(ratings: Ratings) -> float | None:
    cards = sum(ratings)
    return sum(n * count for n, count in enumerate(ratings, 1)) / cards if cards else None


def totals_of(quarters: Quarters, responses: Responses, current: bool, escalation: int) -> Totals:
    """A period's totals from its quarter-hours and the response histograms."""
    ratings = [0] * 5
    replies = passed_on = 0
    for counts, quarter_replies, quarter_passed_on in quarters.values():
        for index, count in enumerate(counts):
            ratings[index] += count
        replies += quarter_replies
        passed_on += quarter_passed_on
    steps: dict[str, Counter[int]] = {ACKNOWLEDGED: Counter(), RESOLVED: Counter()}
    for (is_current, _, _, step, minutes), cards in responses.items():
        if is_current == current:
            steps[step][minutes] += cards
    cards = sum(ratings)
    negatives = ratings[0] + ratings[1]
    in_time = sum(n for minutes, n in steps[ACKNOWLEDGED].items() if minutes <= escalation)
    return Totals(
        cards=cards,
        ratings=ratings,
        average=average(tuple(ratings)),  # type: ignore[arg-type]
        satisfaction=share(ratings[3] + ratings[4], cards),
        negative_share=share(negatives, cards),
        acknowledged_median=percentile(steps[ACKNOWLEDGED], 0.5),
        acknowledged_p90=percentile(steps[ACKNOWLEDGED], 0.9),
        resolved_median=percentile(steps[RESOLVED], 0.5),
        resolved_p90=percentile(steps[RESOLVED], 0.9),
        within_escalation=share(in_time, negatives),
        replies=replies,
        passed_on=passed_on,
    )


def series_of(hours: Hours, period: Period) -> tuple[list[SeriesPoint], str]:
    """Cards and average per local day, or per week (Monday first) over a long period."""
    weekly = period.days > WEEKLY_FROM_DAYS

    def point_of(day: date) -> date:
        return day - timedelta(days=day.weekday()) if weekly else day

    days: dict[int, list[int]] = {}
    for hour, counts in hours.items():
        total = days.get(hour // 24)
        if total is None:
            days[hour // 24] = list(counts)
        else:
            for index, count in enumerate(counts):
                total[index] += count
    points: dict[date, list[int]] = {}
    for offset in range(period.days):
        points.setdefault(point_of(period.start + timedelta(days=offset)), [0] * 5)
    for day, counts in days.items():
        totals = points.setdefault(point_of(LOCAL_EPOCH + timedelta(days=day)), [0] * 5)
        for index, count in enumerate(counts):
            totals[index] += count
    series = [
        SeriesPoint(start=day, cards=sum(counts), average=average(tuple(counts)))  # type: ignore[arg-type]
        for day, counts in sorted(points.items())
    ]
    return series, "week" if weekly else "day"


def trend_of(series: list[SeriesPoint]) -> list[float] | None:
    """The least-squares line through the averages: its value at the first and last point."""
    points = [(x, p.average) for x, p in enumerate(series) if p.average is not None]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    last = len(series) - 1
    return [mean_y - slope * mean_x, mean_y + slope * (last - mean_x)]


def heatmaps(hours: Hours) -> tuple[list[list[int]], list[list[int]]]:
    """Cards, and negative cards, by weekday (Monday first) and hour on the local clock."""
    cards = [[0] * 24 for _ in range(7)]
    negative = [[0] * 24 for _ in range(7)]
    for hour, counts in hours.items():
        weekday, clock = (hour // 24 + EPOCH_WEEKDAY) % 7, hour % 24
        cards[weekday][clock] += sum(counts)
        negative[weekday][clock] += counts[0] + counts[1]
    return cards, negative


def group_rows(
    rows: list[tuple[int, str, tuple[int, ...]]],
    histograms: dict[int, dict[str, Counter[int]]],
    minimum: int,
    unnamed_minimum: int,
) -> list[GroupRow]:
    """One row per location or employee, most cards first; under `minimum` cards (under
    `unnamed_minimum` for the row of id 0, the cards of no place), only the name shows."""
    out = []
    for id_, name, counts in sorted(rows, key=lambda row: (-sum(row[2]), row[1])):
        cards = sum(counts)
        if cards < (minimum if id_ else unnamed_minimum):
            out.append(
                GroupRow(
                    id=id_,
                    name=name,
                    cards=0,
                    compliments=None,
                    concerns=None,
                    average=None,
                    acknowledged_median=None,
                    resolved_median=None,
                    hidden=True,
                )
            )
            continue
        steps = histograms.get(id_, {})
        out.append(
            GroupRow(
                id=id_,
                name=name,
                cards=cards,
                compliments=counts[3] + counts[4],
                concerns=counts[0] + counts[1],
                average=average(counts),  # type: ignore[arg-type]
                acknowledged_median=percentile(steps.get(ACKNOWLEDGED, Counter()), 0.5),
                resolved_median=percentile(steps.get(RESOLVED, Counter()), 0.5),
            )
        )
    return out
