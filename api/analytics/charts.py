"""The charts' geometry, drawn by web/templates/analytics/_charts.html as SVG.

Only presentation attributes and classes: the CSP forbids style attributes.
"""

from dataclasses import dataclass

from api.analytics.schemas import Figures

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 600, 220, 36, 24, 10
HEAT_LEVELS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class SeriesChart:
    bars: list[Bar]
    average_points: str  # an SVG polyline's points, ratings 1 to 5 on the right-hand scale
    trend: tuple[float, float, float, float] | None
    most: int


def _y_of_rating(rating: float) -> float:
    plot = HEIGHT - BOTTOM - TOP
    return TOP + plot - (rating - 1) / 4 * plot


def series_chart(figures: Figures) -> SeriesChart:
    """Bars of cards per day or week, the average rating as a line, and its trend."""
    points = figures.series
    most = max((p.cards for p in points), default=0) or 1
    step = (WIDTH - LEFT) / max(len(points), 1)
    plot = HEIGHT - BOTTOM - TOP
    bars = []
    line = []
    for index, point in enumerate(points):
        height = point.cards / most * plot
        x = LEFT + index * step
        bars.append(
            Bar(
                x=round(x + step * 0.1, 1),
                y=round(TOP + plot - height, 1),
                width=round(step * 0.8, 1),
                height=round(height, 1),
                label=point.start.isoformat(),
                value=point.cards,
            )
        )
        if point.average is not None:
            line.append(f"{x + step / 2:.1f},{_y_of_rating(point.average):.1f}")
    trend = None
    if figures.trend is not None and points:
        first_x, last_x = LEFT + step / 2, LEFT + (len(points) - 0.5) * step
        first, last = (min(5.0, max(1.0, value)) for value in figures.trend)
        trend = (first_x, _y_of_rating(first), last_x, _y_of_rating(last))
    return SeriesChart(bars=bars, average_points=" ".join(line), trend=trend, most=most)


def distribution_bars(figures: Figures) -> list[Bar]:
    """One horizontal bar per rating, 1 to 5, as long as its share of the cards."""
    most = max(figures.current.ratings) or 1
    return [
        Bar(
            x=LEFT,
            y=8 + 30 * index,
            width=round(count / most * (WIDTH - LEFT - 60), 1),
            height=22,
            label=str(index + 1),
            value=count,
        )
        for index, count in enumerate(figures.current.ratings)
    ]


def heat_level(count: int, most: int) -> int:
    """0 for none, then 1 to 4 by quarters of the busiest hour."""
    if count <= 0 or most <= 0:
        return 0
    return min(HEAT_LEVELS, 1 + (count * HEAT_LEVELS - 1) // most)
