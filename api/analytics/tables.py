"""Each chart's numbers as a table: shown under the chart, and downloaded as CSV.

A column is (key, heading, kind): the key heads the CSV, the heading (translated) the page's
table, and the kind says how the page writes a value ("share" as a percentage, "minutes" as a
duration, "average" with two decimals).
"""

import csv
import io
from dataclasses import dataclass
from typing import Any

from api.analytics.schemas import Figures, GroupRow
from api.i18n import N_

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FigureTable:
    name: str
    caption: str
    columns: list[tuple[str, str, str]]
    rows: list[list[Any]]


def group_table(name: str, caption: str, rows: list[GroupRow]) -> FigureTable:
    """A location's or employee's rows; a location's cards sent with no place (from a badge
    code of no location) have a row of their own, with no name."""
    return FigureTable(
        name=name,
        caption=caption,
        columns=[
            ("name", N_("Name"), "place" if name == "locations" else "text"),
            ("cards", N_("Cards"), "int"),
            ("compliments", N_("Compliments (4–5)"), "int"),
            ("concerns", N_("Concerns (1–2)"), "int"),
            ("average", N_("Average"), "average"),
            ("acknowledged_median", N_("Acknowledged, median"), "minutes"),
            ("resolved_median", N_("Resolved, median"), "minutes"),
        ],
        rows=[
            [
                row.name,
                None if row.hidden else row.cards,
                row.compliments,
                row.concerns,
                row.average,
                row.acknowledged_median,
                row.resolved_median,
            ]
            for row in rows
        ],
    )


def figure_tables(figures: Figures) -> dict[str, FigureTable]:
    """Every table of the dashboard, by the name its CSV is downloaded under."""
    series = FigureTable(
        name="series",
        caption=N_("Cards and average rating per day")
        if figures.step == "day"
        else N_("Cards and average rating per week"),
        columns=[
            ("start", N_("From"), "date"),
            ("cards", N_("Cards"), "int"),
            ("average", N_("Average"), "average"),
        ],
        rows=[[p.start, p.cards, p.average] for p in figures.series],
    )
    ratings = FigureTable(
        name="ratings",
        caption=N_("Cards by rating"),
        columns=[
            ("rating", N_("Rating"), "int"),
            ("cards", N_("Cards"), "int"),
            ("previous", N_("Previous period"), "int"),
        ],
        rows=[
            [n, figures.current.ratings[n - 1], figures.previous.ratings[n - 1]]
            for n in range(1, 6)
        ],
    )
    heatmap = FigureTable(
        name="heatmap",
        caption=N_("Concerns (1–2) by weekday and hour"),
        columns=[
            ("weekday", N_("Weekday"), "weekday"),
            *((f"h{hour:02d}", f"{hour:02d}", "int") for hour in range(24)),
        ],
        rows=[[day, *figures.heatmap_negative[day]] for day in range(7)],
    )
    return {
        "series": series,
        "ratings": ratings,
        "heatmap": heatmap,
        "locations": group_table("locations", N_("By location"), figures.locations),
        "employees": group_table("employees", N_("By employee"), figures.employees),
    }


def table_csv(table: FigureTable) -> str:
    """The table as CSV: English keys on the first line, raw values, no formula cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([key for key, _, _ in table.columns])
    for row in table.rows:
        cells = []
        for (_, _, kind), value in zip(table.columns, row, strict=True):
            text = "" if value is None else (WEEKDAYS[value] if kind == "weekday" else str(value))
            cells.append("'" + text if text.startswith(FORMULA_STARTS) else text)
        writer.writerow(cells)
    return buffer.getvalue()
