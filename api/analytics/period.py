"""A period of days on the organisation's clock, as UTC quarter-hours, and the one before it."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.analytics.summaries import QUARTER_SECONDS, quarter_of
from api.errors import Unprocessable
from api.i18n import N_

RANGES = {"7d": 7, "30d": 30, "quarter": 91, "year": 365}
LONGEST_DAYS = 731


@dataclass(frozen=True)
class Period:
    """The days `start` to `end` (inclusive) in `zone`."""

    start: date
    end: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(1), self.zone)

    def quarters(self) -> tuple[int, int]:
        """The first quarter-hour of the period and the first after it."""
        return self._quarter(self.start), self._quarter(self.end + timedelta(days=1))

    def _quarter(self, day: date) -> int:
        return quarter_of(self.midnight(day))

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone)

    def instants(self) -> tuple[datetime, datetime]:
        """The instant the period starts and the one it ends (exclusive)."""
        return self.midnight(self.start), self.midnight(self.end + timedelta(days=1))

    def local(self, quarter: int) -> datetime:
        """When a quarter-hour starts, on the organisation's clock."""
        return datetime.fromtimestamp(quarter * QUARTER_SECONDS, UTC).astimezone(self.zone)

    def offset(self, quarter: int) -> float:
        """The zone's offset from UTC at a quarter-hour, in quarter-hours (a fraction for an
        offset that is not a whole number of them)."""
        offset = self.local(quarter).utcoffset()
        return offset.total_seconds() / QUARTER_SECONDS if offset else 0

    def clocks(self, first: int, end: int) -> list[tuple[int, int, float]]:
        """The quarter-hours [first, end) cut where the zone's offset changes, as (from, to,
        offset); the offset is looked up once a day and at the changes (which come at most
        once a day)."""
        found: list[tuple[int, int, float]] = []
        start, offset = first, self.offset(first)
        for day in range(first + 96, end + 96, 96):
            probe = min(day, end - 1)
            if probe <= start or self.offset(probe) == offset:
                continue
            same, changed = max(start, day - 96), probe  # the change is in (same, changed]
            while changed - same > 1:
                middle = (same + changed) // 2
                same, changed = (
                    (middle, changed) if self.offset(middle) == offset else (same, middle)
                )
            found.append((start, changed, offset))
            start, offset = changed, self.offset(changed)
        if start < end:
            found.append((start, end, offset))
        return found


def choose_period(
    *, range_name: str, first: date | None, last: date | None, zone: ZoneInfo, today: date
) -> Period:
    """The period a range names ("7d", "30d", "quarter", "year": ending today), or the
    custom days `first` to `last`."""
    if range_name == "custom":
        if first is None or last is None:
            raise Unprocessable(N_("Choose the first and the last day."))
        if last < first:
            raise Unprocessable(N_("The last day comes before the first."))
        if (last - first).days >= LONGEST_DAYS:
            raise Unprocessable(N_("Choose at most two years."))
        return Period(first, last, zone)
    days = RANGES.get(range_name)
    if days is None:
        raise Unprocessable(N_("Choose 7 days, 30 days, a quarter, a year or your own days."))
    return Period(today - timedelta(days=days - 1), today, zone)
