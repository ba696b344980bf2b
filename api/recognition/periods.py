"""The periods a leaderboard and a certificate cover: whole days in the organisation's time
zone, from the first to the last day included, and Customer Service Week."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval

from api.errors import Unprocessable
from api.i18n import N_

# A certificate may cover a year at most: longer periods are an anniversary, not a thank-you.
LONGEST_DAYS = 366


class BadPeriod(Unprocessable):
    title = N_(
        "Choose a first and a last day, the last on or after the first, at most a year apart."
    )


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants: from the first day's midnight to the midnight after the
        last, on the organisation's wall clock."""
        start = datetime.combine(self.first_day, time(0), tzinfo=zone)
        end = datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def describe(self, language_tag: str) -> str:
        """The period written the language's way, e.g. "5–11 October 2026"."""
        locale = Locale.parse(language_tag.replace("-", "_"))
        if self.first_day == self.last_day:
            return format_date(self.first_day, "long", locale=locale)
        return format_interval(self.first_day, self.last_day, "yMMMMd", locale=locale)

    @property
    def query(self) -> str:
        return f"from={self.first_day.isoformat()}&to={self.last_day.isoformat()}"


def service_week(year: int) -> Period:
    """Customer Service Week: the first full week of October, Monday to Sunday."""
    first = date(year, 10, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return Period(monday, monday + timedelta(days=6))


def current_service_week(today: date) -> Period:
    """The week to celebrate now: this year's from a week before it starts (when the digest
    reminds owners of it), last year's until then."""
    this_year = service_week(today.year)
    if today >= this_year.first_day - timedelta(days=7):
        return this_year
    return service_week(today.year - 1)


def upcoming_service_week(today: date) -> Period | None:
    """This year's week when it starts within the next seven days (the reminder's week)."""
    week = service_week(today.year)
    return week if 0 < (week.first_day - today).days <= 7 else None


def last_days(today: date, days: int = 30) -> Period:
    return Period(today - timedelta(days=days - 1), today)


def parse_period(first: str | None, last: str | None, default: Period) -> Period:
    """The period a query names (`from`, `to`, ISO dates), or `default` when it names none;
    BadPeriod for dates that are not, or run backwards, or span more than a year."""
    if not first and not last:
        return default
    try:
        period = Period(date.fromisoformat(first or ""), date.fromisoformat(last or ""))
    except ValueError:
        raise BadPeriod() from None
    if period.last_day < period.first_day:
        raise BadPeriod()
    if (period.last_day - period.first_day).days >= LONGEST_DAYS:
        raise BadPeriod()
    return period
