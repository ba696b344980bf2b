"""What the figures service answers: the dashboard's numbers, and the API's JSON."""

from datetime import date

from pydantic import BaseModel


class Totals(BaseModel):
    """One period's figures. Shares are 0 to 1; times are minutes, read as "within"."""

    cards: int
    ratings: list[int]  # cards rated 1, 2, 3, 4, 5
    average: float | None
    satisfaction: float | None  # share rated 4 or 5
    negative_share: float | None  # share rated 1 or 2
    acknowledged_median: int | None
    acknowledged_p90: int | None
    resolved_median: int | None
    resolved_p90: int | None
    within_escalation: float | None  # share of negative cards acknowledged within it
    replies: int
    passed_on: int


class SeriesPoint(BaseModel):
    """Cards and their average over one day or week (its first day) on the organisation's clock."""

    start: date
    cards: int
    average: float | None


class GroupRow(BaseModel):
    """A location's or an employee's figures; `hidden` when under the minimum of cards."""

    id: int
    name: str
    cards: int
    compliments: int | None
    concerns: int | None
    average: float | None
    acknowledged_median: int | None
    resolved_median: int | None
    hidden: bool = False


class Topic(BaseModel):
    """A word or two-word phrase that stands out in concerns: in how many concerns (1–2) and
    compliments (4–5) it appears, and its score (log-odds, higher stands out more)."""

    term: str
    concerns: int
    compliments: int
    score: float


class Figures(BaseModel):
    """The dashboard for a period, beside the previous period of the same length."""

    start: date
    end: date
    previous_start: date
    previous_end: date
    time_zone: str
    escalation_minutes: int
    employee_minimum: int
    # True when an employee filter narrows the figures to fewer cards than the minimum.
    hidden: bool
    current: Totals
    previous: Totals
    step: str  # "day" or "week"
    series: list[SeriesPoint]
    # The least-squares line through the series' averages: its value at the first and last point.
    trend: list[float] | None
    heatmap: list[list[int]]  # [weekday, Monday first][hour]: cards
    heatmap_negative: list[list[int]]
    locations: list[GroupRow]
    employees: list[GroupRow]
    # What customers talk about (api.analytics.topics): empty when the figures are hidden.
    topics: list[Topic] = []
